package store

import (
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// MaxCachedTokens bounds a token cache: when it is full, expired entries
// are dropped, and if none has expired the whole cache is (tokens are
// looked up again, nothing else happens).
const MaxCachedTokens = 1024

// WithTokenCache keeps each token TokenByHash found for ttl in the
// store's memory, keyed by the SHA-256 hash of its secret (so an entry
// answers only the exact secret it was found for, with that token's own
// organization and role: never another tenant's). Only found tokens are
// kept: a token created after a miss authenticates at once. Revocation
// (RevokeToken, ReplacePlatformTokens) through this store drops the entry
// at once; a token deleted by another process (another store instance, say
// `slipway bootstrap --rotate` on the same table) keeps authenticating here
// for at most ttl. The local system uses it (one process serves every
// route, so every revocation through the API is immediate); the Lambdas do
// not, as their many containers would each lag.
func WithTokenCache(ttl time.Duration) Option {
	return func(s *Store) { s.tokens = &tokenCache{ttl: ttl, entries: map[string]cachedToken{}} }
}

type tokenCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]cachedToken // by secret hash
}

type cachedToken struct {
	token   platform.Token
	expires time.Time
	// revoked marks a token being revoked: until expires no lookup is
	// answered or kept, so a lookup that read the token just before its
	// deletion cannot put it back.
	revoked bool
}

func (c *tokenCache) get(hash string, now time.Time) (platform.Token, bool) {
	if c == nil {
		return platform.Token{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || e.revoked || !now.Before(e.expires) {
		return platform.Token{}, false
	}
	return e.token, true
}

func (c *tokenCache) put(t platform.Token, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[t.Hash]; ok && e.revoked && now.Before(e.expires) {
		return
	}
	if len(c.entries) >= MaxCachedTokens {
		for h, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, h)
			}
		}
		if len(c.entries) >= MaxCachedTokens {
			clear(c.entries)
		}
	}
	c.entries[t.Hash] = cachedToken{token: t, expires: now.Add(c.ttl)}
}

// used records a use written (or found written) at now on the entry, so
// that the next requests do not try to record it again.
func (c *tokenCache) used(hash string, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok && !e.revoked {
		at := now.UTC()
		e.token.LastUsed = &at
		c.entries[hash] = e
	}
}

// revoke drops the tokens and keeps them out for ttl (see revoked).
func (c *tokenCache) revoke(now time.Time, hashes ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range hashes {
		c.entries[h] = cachedToken{revoked: true, expires: now.Add(c.ttl)}
	}
}
