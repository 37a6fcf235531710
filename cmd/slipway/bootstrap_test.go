package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// TestBootstrap runs the command against a table on the embedded server:
// a first token, a refusal, a rotation, and a missing table.
func TestBootstrap(t *testing.T) {
	env := storetest.New(t)
	endpoint := os.Getenv(storetest.EndpointEnv) // moto_server in make check
	if env.Embedded != nil {
		endpoint = env.Embedded.Endpoint
	}
	secret := regexp.MustCompile(`slw_[A-Za-z0-9_-]{43}`)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := bootstrapTo(&out, append([]string{"--table", env.Table, "--dynamodb-endpoint", endpoint}, args...))
		return out.String(), err
	}

	out, err := run()
	if err != nil {
		t.Fatal(err)
	}
	first := secret.FindString(out)
	if first == "" {
		t.Fatalf("no token printed:\n%s", out)
	}
	if tok, err := env.Store.TokenByHash(context.Background(), httpapi.HashToken(first)); err != nil || tok.Role != "platform" {
		t.Fatalf("the printed token is not a stored platform token: %+v %v", tok, err)
	}

	out, err = run()
	if err == nil || !strings.Contains(err.Error(), "--rotate") || secret.MatchString(out) || exitCode("bootstrap", err) != 1 {
		t.Fatalf("second bootstrap: %v, output %q; want a refusal naming --rotate, no token, exit 1", err, out)
	}

	out, err = run("--rotate")
	second := secret.FindString(out)
	if err != nil || second == "" || second == first || !strings.Contains(out, "Revoked 1") {
		t.Fatalf("rotation: %v\n%s", err, out)
	}
	if _, err := env.Store.TokenByHash(context.Background(), httpapi.HashToken(first)); err == nil {
		t.Fatal("the rotated-out token still authenticates")
	}

	var missing bytes.Buffer
	err = bootstrapTo(&missing, []string{"--table", env.Table + "-nope", "--dynamodb-endpoint", endpoint})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || exitCode("bootstrap", err) != 1 {
		t.Fatalf("missing table: %v", err)
	}
	if code := exitCode("bootstrap", bootstrapTo(&missing, nil)); code != 2 {
		t.Fatalf("no --table: exit %d, want 2", code)
	}
}
