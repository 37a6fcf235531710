package github

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

func TestInstallationAccount(t *testing.T) {
	f := newFakeGitHub(t, newClock())
	app := f.app()
	login, err := app.InstallationAccount(context.Background(), 77)
	if err != nil || login != "acme" {
		t.Fatalf("account %q, %v", login, err)
	}
	if _, err := app.InstallationAccount(context.Background(), 78); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("unknown installation: %v", err)
	}
	f.Fail(func(string, int) (int, string, bool) { return 502, `{"message":"Bad Gateway"}`, true }, nil)
	if _, err := app.InstallationAccount(context.Background(), 77); !platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("GitHub down: %v", err)
	}
}

// TestRepositoryToken: every build gets its own token (never the cached
// one), asked for read access to the one repository.
func TestRepositoryToken(t *testing.T) {
	clk := newClock()
	f := newFakeGitHub(t, clk)
	app := f.app()
	first, err := app.RepositoryToken(context.Background(), 77, "acme/web")
	if err != nil {
		t.Fatal(err)
	}
	second, err := app.RepositoryToken(context.Background(), 77, "ACME/web")
	if err != nil {
		t.Fatal(err)
	}
	if first.Token == "" || first.Token == second.Token || first.Repository != "acme/web" || !first.ExpiresAt.Equal(clk.Now().Add(time.Hour).Truncate(time.Second)) {
		t.Fatalf("tokens %+v then %+v", first, second)
	}
	if strings.Contains(first.String(), first.Token) {
		t.Fatalf("String shows the token: %s", first)
	}
	want := map[string]any{"repositories": []any{"web"}, "permissions": map[string]any{"contents": "read"}}
	for i, b := range f.Bodies() {
		if !reflect.DeepEqual(b, want) {
			t.Fatalf("request %d asked for %v, want %v", i, b, want)
		}
	}
	// A namesake in another account (the installation is acme's) is refused.
	if _, err := app.RepositoryToken(context.Background(), 77, "globex/web"); err == nil || !strings.Contains(err.Error(), "no token for globex/web alone") {
		t.Fatalf("namesake: %v", err)
	}
	if _, err := app.RepositoryToken(context.Background(), 77, "no-slash"); err == nil {
		t.Fatal("a repository without an owner was accepted")
	}
	f.Fail(func(string, int) (int, string, bool) {
		return 422, `{"message":"There is at least one repository that does not exist or is not accessible"}`, true
	}, nil)
	if _, err := app.RepositoryToken(context.Background(), 77, "acme/gone"); err == nil || platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("an inaccessible repository must fail for good: %v", err)
	}
}
