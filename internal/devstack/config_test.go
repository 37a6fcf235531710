package devstack_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestLocalConfig is config vars on the local system over real HTTP: a
// PATCH seals a secret with the local keys, GET and the history show no
// value, and the pipeline's side (the same local keys) opens it. With a
// data directory the keys outlive the process, so a second stack on the
// same keys still opens what the first sealed.
func TestLocalConfig(t *testing.T) {
	dir := t.TempDir()
	c, stack := startStackWith(t, devstack.Options{DataDir: dir})
	id := newApp(t, c, "web")
	const secretValue = "postgres://local:S3cret@db/app"
	status, cfg := c.do("PATCH", "/applications/"+id+"/config", fmt.Sprintf(`{"vars":{"LOG_LEVEL":"info","DATABASE_URL":{"value":%q,"secret":true}}}`, secretValue),
		"If-Match", `"c0"`)
	if status != 200 || cfg["version"] != 1.0 {
		t.Fatalf("PATCH: %d %v", status, cfg)
	}
	if v := cfg["vars"].(map[string]any)["DATABASE_URL"].(map[string]any); v["value"] != nil || v["secret"] != true {
		t.Fatalf("DATABASE_URL = %v", v)
	}
	if status, body := c.do("GET", "/applications/"+id+"/config/versions", ""); status != 200 || fmt.Sprint(body["items"].([]any)[0].(map[string]any)["changes"]) != "map[added:[DATABASE_URL LOG_LEVEL] changed:[] removed:[]]" {
		t.Fatalf("history: %d %v", status, body)
	}

	open := func(keys *devstack.LocalKeys) string {
		t.Helper()
		ck, err := devstack.ConfigKeysFrom(keys)
		if err != nil {
			t.Fatal(err)
		}
		cur, err := stack.Store.CurrentConfig(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ck.Envelope.Unseal(context.Background(), id, map[string]platform.SealedValue{"DATABASE_URL": *cur.Vars["DATABASE_URL"].Sealed})
		if err != nil {
			t.Fatal(err)
		}
		return got["DATABASE_URL"]
	}
	if got := open(stack.Keys); got != secretValue {
		t.Fatalf("opened %q", got)
	}
	if got := open(devstack.NewLocalKeys(dir)); got != secretValue {
		t.Fatalf("the keys kept in %s opened %q", dir, got)
	}

	// p50 over real HTTP (the figure the issue asks for).
	p50 := func(method string, body func(i int) string) time.Duration {
		d := make([]time.Duration, 25)
		for i := range d {
			start := time.Now()
			if status, out := c.do(method, "/applications/"+id+"/config", body(i)); status != 200 {
				t.Fatalf("%s: %d %v", method, status, out)
			}
			d[i] = time.Since(start)
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	patch := p50("PATCH", func(i int) string {
		return fmt.Sprintf(`{"vars":{"LOG_LEVEL":"v%d","API_KEY":{"value":"k%[1]d","secret":true}}}`, i)
	})
	get := p50("GET", func(int) string { return "" })
	t.Logf("local system, real HTTP: p50 GET config %v, PATCH config %v", get, patch)
}
