package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

func platformToken(name string) platform.Token {
	return platform.Token{ID: ids.NewID(), Name: name, Role: platform.RolePlatform, Hash: fmt.Sprintf("%064x", time.Now().UnixNano()) + name,
		Created: time.Now().UTC().Truncate(time.Millisecond)}
}

func TestPlatformTokens(t *testing.T) {
	env := storetest.New(t)
	st := env.Store
	none, err := st.PlatformTokens(ctx())
	mustOK(t, err)
	if len(none) != 0 {
		t.Fatalf("a fresh table has platform tokens: %v", none)
	}
	first := platformToken("first")
	mustOK(t, st.CreateToken(ctx(), first))
	orgToken := platform.Token{ID: ids.NewID(), Name: "ci", Role: platform.RoleAdmin, OrganizationID: "o", OrganizationSlug: "acme", Hash: "org-hash"}
	mustOK(t, st.CreateToken(ctx(), orgToken))

	got, err := st.PlatformTokens(ctx())
	mustOK(t, err)
	if len(got) != 1 || got[0].ID != first.ID || got[0].Hash != first.Hash || got[0].Name != "first" {
		t.Fatalf("platform tokens %+v, want only %+v (never an organization's)", got, first)
	}

	second := platformToken("second")
	mustOK(t, st.ReplacePlatformTokens(ctx(), second, got))
	if _, err := st.TokenByHash(ctx(), first.Hash); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("the replaced token still authenticates: %v", err)
	}
	if _, err := st.TokenByHash(ctx(), second.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TokenByHash(ctx(), orgToken.Hash); err != nil {
		t.Fatalf("an organization token was touched: %v", err)
	}
	got, err = st.PlatformTokens(ctx())
	mustOK(t, err)
	if len(got) != 1 || got[0].ID != second.ID {
		t.Fatalf("after the rotation: %+v", got)
	}

	// Replacing a token that is gone already writes nothing.
	third := platformToken("third")
	wantCode(t, st.ReplacePlatformTokens(ctx(), third, []platform.Token{first}), platform.CodeConflict)
	if _, err := st.TokenByHash(ctx(), third.Hash); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("a refused rotation created its token: %v", err)
	}
	// A fresh token whose hash exists is a conflict.
	wantCode(t, st.ReplacePlatformTokens(ctx(), second, nil), platform.CodeConflict)
	// Only platform tokens, and no more than one transaction holds.
	wantCode(t, st.ReplacePlatformTokens(ctx(), orgToken, nil), platform.CodeInvalid)
	wantCode(t, st.ReplacePlatformTokens(ctx(), third, []platform.Token{orgToken}), platform.CodeInvalid)
	wantCode(t, st.ReplacePlatformTokens(ctx(), third, make([]platform.Token, store.MaxReplacedTokens+1)), platform.CodeInvalid)
}

func TestReplaceManyPlatformTokens(t *testing.T) {
	env := storetest.New(t)
	var old []platform.Token
	for i := range store.MaxReplacedTokens {
		tok := platformToken(fmt.Sprint("t", i))
		mustOK(t, env.Store.CreateToken(ctx(), tok))
		old = append(old, tok)
	}
	got, err := env.Store.PlatformTokens(ctx())
	mustOK(t, err)
	if len(got) != len(old) {
		t.Fatalf("%d platform tokens, want %d", len(got), len(old))
	}
	fresh := platformToken("fresh")
	mustOK(t, env.Store.ReplacePlatformTokens(ctx(), fresh, got))
	if got, _ = env.Store.PlatformTokens(ctx()); len(got) != 1 || got[0].ID != fresh.ID {
		t.Fatalf("after replacing %d: %+v", len(old), got)
	}
}
