package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestConfigSetKeepsWhatItIsNotTold: a plain value for a secret var is
// refused (it would turn the secret into a shown value), a var set
// without --scope keeps its scope, and a change that changes nothing
// says so instead of naming a new version.
func TestConfigSetKeepsWhatItIsNotTold(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "cfgkeep", "acme/web")
	const secret = "kept-secret-value-4b1d"
	slipway(t, nil, "config", "set", ref, "--secret", "--scope", "build", "NPM_TOKEN="+secret).must(t, 0)
	slipway(t, nil, "config", "set", ref, "--scope", "both", "NODE_ENV=production").must(t, 0)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		output string // in stdout, or stderr on failure
	}{
		{"a plain value for a secret", []string{"NPM_TOKEN=now-plain"}, 2, "NPM_TOKEN is a secret of " + ref + ": pass --secret"},
		{"a new value keeps the scope", []string{"NODE_ENV=staging"}, 0, "Set NODE_ENV on " + ref + ": config v3"},
		{"a secret's new value keeps its scope", []string{"--secret", "NPM_TOKEN=rotated-value-88"}, 0, "config v4"},
		{"the same value again", []string{"NODE_ENV=staging"}, 0, "Set NODE_ENV: nothing to change on " + ref + " (config v4)"},
		{"an explicit scope still applies", []string{"--scope", "runtime", "NODE_ENV=staging"}, 0, "config v5"},
	} {
		r := slipway(t, nil, append([]string{"config", "set", ref}, tc.args...)...).must(t, tc.code)
		out := r.stdout
		if tc.code != 0 {
			out = r.stderr
		}
		if !strings.Contains(out, tc.output) {
			t.Errorf("%s: got %q, want %q", tc.name, out, tc.output)
		}
		if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stdout+r.stderr, "rotated-value-88") {
			t.Fatalf("%s: a secret value was echoed", tc.name)
		}
	}
	if r := slipway(t, nil, "config", "unset", ref, "NEVER_SET").must(t, 0); !strings.Contains(r.stdout, "Unset NEVER_SET: nothing to change on "+ref+" (config v5)") {
		t.Errorf("unset of a missing var: %q", r.stdout)
	}
	var cfg struct {
		Version int `json:"version"`
		Vars    map[string]struct {
			Secret bool   `json:"secret"`
			Scope  string `json:"scope"`
		} `json:"vars"`
	}
	if err := json.Unmarshal([]byte(slipway(t, nil, "config", ref, "--json").must(t, 0).stdout), &cfg); err != nil {
		t.Fatal(err)
	}
	if v := cfg.Vars["NPM_TOKEN"]; !v.Secret || v.Scope != "build" || cfg.Vars["NODE_ENV"].Scope != "runtime" || cfg.Version != 5 {
		t.Errorf("config: %+v", cfg)
	}
}
