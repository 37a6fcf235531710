package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLifecycleCommands: releases and images after a deploy, an
// application by id, tokens listed without their secrets, and delete.
func TestLifecycleCommands(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "life", "acme/web")
	slipway(t, nil, "deploy", ref).must(t, 0)
	slipway(t, nil, "rollback", ref, "v1").must(t, 0)
	var app struct{ ID string }
	if err := json.Unmarshal([]byte(slipway(t, nil, "apps", "info", ref, "--json").must(t, 0).stdout), &app); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"releases", ref}, []string{"RELEASE", "KIND", "v1", "complete", "build", "rollback of v1"}},
		{[]string{"images", ref}, []string{"IMAGE", "v1", "complete", "web,worker"}},
		{[]string{"apps", "info", app.ID}, []string{"=== " + ref, app.ID}},
		{[]string{"releases", app.ID}, []string{"v1"}},
	} {
		r := slipway(t, nil, tc.args...).must(t, 0)
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
	}
	for _, args := range [][]string{{"releases", ref}, {"images", ref}, {"tokens", "demo"}} {
		if out := slipway(t, nil, append(args, "--json")...).must(t, 0).stdout; !json.Valid([]byte(out)) {
			t.Errorf("%v --json: %q", args, out)
		}
	}

	secret := strings.TrimSpace(slipway(t, nil, "tokens", "create", "demo", "listed").must(t, 0).stdout)
	list := slipway(t, nil, "tokens", "demo").must(t, 0)
	if !strings.Contains(list.stdout, "listed") || strings.Contains(list.stdout, secret) {
		t.Errorf("tokens demo: want the token listed without its secret:\n%s", list.stdout)
	}

	// Delete asks first; without a terminal it wants --yes.
	slipway(t, nil, "apps", "delete", ref).must(t, 2)
	slipway(t, nil, "apps", "info", ref).must(t, 0)
	slipway(t, nil, "apps", "delete", ref, "--yes").must(t, 0)
	slipway(t, nil, "apps", "info", ref).must(t, 3)
	slipway(t, nil, "apps", "info", app.ID).must(t, 3)
}
