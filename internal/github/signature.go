package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Errors of VerifySignature. The HTTP layer answers 401 for all three and
// may name which one ("not configured", "missing", "invalid") without saying
// more: malformed headers and wrong digests are both ErrSignatureInvalid.
var (
	// ErrNoSecret: no webhook secret is configured, so every delivery is
	// refused (fail closed).
	ErrNoSecret = errors.New("github: webhook secret is not configured")
	// ErrSignatureMissing: the X-Hub-Signature-256 header is absent or empty.
	ErrSignatureMissing = errors.New("github: X-Hub-Signature-256 is missing")
	// ErrSignatureInvalid: the header is malformed or does not match the body.
	ErrSignatureInvalid = errors.New("github: X-Hub-Signature-256 is invalid")
)

const signaturePrefix = "sha256="

// VerifySignature checks header, the value of X-Hub-Signature-256, against
// the HMAC-SHA256 of the exact raw body under secret. The header must be
// "sha256=" followed by 64 hex digits (either case); the SHA-1
// X-Hub-Signature is never accepted. The digests are compared in constant
// time. An empty secret refuses every delivery with ErrNoSecret.
func VerifySignature(secret []byte, body []byte, header string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if header == "" {
		return ErrSignatureMissing
	}
	digest, ok := strings.CutPrefix(header, signaturePrefix)
	got, err := hex.DecodeString(digest)
	if !ok || err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not of the form sha256=<64 hex digits>", ErrSignatureInvalid)
	}
	if !hmac.Equal(got, sign(secret, body)) {
		return ErrSignatureInvalid
	}
	return nil
}

// Signature returns the X-Hub-Signature-256 value GitHub sends for body
// under secret (for tests and local tools that send deliveries).
func Signature(secret, body []byte) string {
	return signaturePrefix + hex.EncodeToString(sign(secret, body))
}

func sign(secret, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return mac.Sum(nil)
}
