package main

import (
	"strings"
	"testing"
)

// TestJSONNeedsNoWait: deploy, release and rollback refuse --json without
// --no-wait (a watched pipeline prints progress, not JSON) before they
// start anything; with --no-wait they print the API's JSON.
func TestJSONNeedsNoWait(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "jsonwait", "acme/web")
	for _, args := range [][]string{
		{"deploy", ref, "--json"},
		{"release", ref, "--json"},
		{"rollback", ref, "v1", "--json"},
	} {
		r := slipway(t, nil, args...).must(t, 2)
		if !strings.Contains(r.stderr, "--json needs --no-wait") || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: stdout %q, stderr %q", args, r.stdout, r.stderr)
		}
	}
	if out := slipway(t, nil, "deployments", ref).must(t, 0).stdout; strings.Contains(out, "v1") {
		t.Fatalf("a refused --json started a pipeline:\n%s", out)
	}
	r := slipway(t, nil, "deploy", ref, "--no-wait", "--json").must(t, 0)
	if !strings.HasPrefix(r.stdout, "{") || !strings.Contains(r.stdout, `"pipeline_id"`) {
		t.Fatalf("deploy --no-wait --json: %q", r.stdout)
	}
}
