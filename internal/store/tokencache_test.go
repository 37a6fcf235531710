package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// TestTokenCache: with WithTokenCache a found token is answered from
// memory until its TTL (no request), only for its own hash; a miss is not
// kept (a token created after it authenticates at once); a revocation
// through the store is immediate; a deletion by another store instance
// takes effect once the TTL has passed; a recorded use is remembered so
// the next requests do not write it again.
func TestTokenCache(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	env := storetest.New(t, store.WithTokenCache(2*time.Second), store.WithClock(clock))
	other := store.New(env.Requests.DynamoDB, env.Table, []byte("test-cursor-key")) // another process on the table
	p := seedProject(t, env, "acme", "shop")
	newToken := func(name string) platform.Token {
		tok := platform.Token{ID: ids.NewID(), Name: name, Role: platform.RoleAdmin, OrganizationID: p.OrganizationID,
			OrganizationSlug: p.OrganizationSlug, Hash: strings.Repeat(name[:1], 64), Created: now}
		mustOK(t, env.Store.CreateToken(ctx(), tok))
		return tok
	}
	lookup := func(hash string) (platform.Token, string) {
		t.Helper()
		env.Requests.Reset()
		got, err := env.Store.TokenByHash(ctx(), hash)
		calls := fmt.Sprint(env.Requests.Calls())
		if err != nil {
			return platform.Token{}, calls + " " + string(platform.CodeOf(err))
		}
		return got, calls
	}

	if _, calls := lookup(strings.Repeat("a", 64)); calls != "[GetItem] not_found" {
		t.Fatalf("a missing token: %s", calls)
	}
	a := newToken("a")
	if got, calls := lookup(a.Hash); calls != "[GetItem]" || got.ID != a.ID {
		t.Fatalf("a token created after a miss: %+v %s", got, calls)
	}
	if got, calls := lookup(a.Hash); calls != "[]" || got.ID != a.ID || got.OrganizationSlug != "acme" {
		t.Fatalf("cached: %+v %s", got, calls)
	}
	b := newToken("b")
	if got, calls := lookup(b.Hash); calls != "[GetItem]" || got.ID != b.ID {
		t.Fatalf("another token is its own entry: %+v %s", got, calls)
	}

	// A use recorded is remembered: the next request does not write it.
	mustOK(t, env.Store.TouchToken(ctx(), a, now))
	if got, _ := lookup(a.Hash); got.UseIsStale(now) {
		t.Fatalf("the cached token forgot its recorded use: %+v", got.LastUsed)
	}

	// Revoked through this store: at once.
	mustOK(t, env.Store.RevokeToken(ctx(), "acme", a.ID))
	if _, calls := lookup(a.Hash); calls != "[GetItem] not_found" {
		t.Fatalf("a revoked token: %s", calls)
	}
	// Revoked by another process: within the TTL.
	mustOK(t, other.RevokeToken(ctx(), "acme", b.ID))
	if got, calls := lookup(b.Hash); calls != "[]" || got.ID != b.ID {
		t.Fatalf("within the TTL a token revoked elsewhere is still cached (the stated bound): %+v %s", got, calls)
	}
	now = now.Add(2 * time.Second)
	if _, calls := lookup(b.Hash); calls != "[GetItem] not_found" {
		t.Fatalf("after the TTL, a token revoked elsewhere: %s", calls)
	}
}
