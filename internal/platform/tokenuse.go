package platform

import "time"

// TokenUseResolution is how stale a token's LastUsed may be: a token's use
// is written at most once per this interval, so authenticating adds no
// write to most requests.
const TokenUseResolution = 5 * time.Minute

// UseIsStale reports whether a use of the token at now should be recorded.
func (t Token) UseIsStale(now time.Time) bool {
	return t.LastUsed == nil || now.Sub(*t.LastUsed) >= TokenUseResolution
}
