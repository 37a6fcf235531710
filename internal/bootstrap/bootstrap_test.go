package bootstrap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/bootstrap"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

func TestPlatformToken(t *testing.T) {
	env := storetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if err := bootstrap.CheckTable(ctx, env.Client, env.Table); err != nil {
		t.Fatal(err)
	}

	first, err := bootstrap.PlatformToken(ctx, env.Store, "bootstrap", false, now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := env.Store.TokenByHash(ctx, httpapi.HashToken(first.Secret))
	if err != nil || tok.Role != platform.RolePlatform || tok.Name != "bootstrap" || tok.Hash == first.Secret {
		t.Fatalf("stored %+v, %v", tok, err)
	}

	refused, err := bootstrap.PlatformToken(ctx, env.Store, "bootstrap", false, now)
	if !errors.Is(err, bootstrap.ErrTokenExists) || refused.Secret != "" || len(refused.Revoked) != 1 {
		t.Fatalf("second bootstrap without rotate: %+v, %v", refused, err)
	}
	if tokens, _ := env.Store.PlatformTokens(ctx); len(tokens) != 1 {
		t.Fatalf("a refused bootstrap wrote a token: %v", tokens)
	}

	rotated, err := bootstrap.PlatformToken(ctx, env.Store, "bootstrap", true, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated.Revoked) != 1 || rotated.Revoked[0].ID != first.Token.ID || rotated.Secret == first.Secret {
		t.Fatalf("rotation %+v", rotated)
	}
	if _, err := env.Store.TokenByHash(ctx, httpapi.HashToken(first.Secret)); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("the rotated-out token still authenticates: %v", err)
	}
	if _, err := env.Store.TokenByHash(ctx, httpapi.HashToken(rotated.Secret)); err != nil {
		t.Fatal(err)
	}
}

func TestCheckTableMissing(t *testing.T) {
	env := storetest.New(t)
	err := bootstrap.CheckTable(context.Background(), env.Client, env.Table+"-missing")
	if !errors.Is(err, bootstrap.ErrNoTable) {
		t.Fatalf("err %v, want ErrNoTable", err)
	}
}
