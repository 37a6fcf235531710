package applications

// DecodeConfigPatch exposes the PATCH config decoder to the fuzz target.
var DecodeConfigPatch = decodeConfigPatch
