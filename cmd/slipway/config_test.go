package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestConfigSecretsAreNeverEchoed: config set/unset/show/versions work,
// and a secret's value appears in no output, --json included.
func TestConfigSecretsAreNeverEchoed(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "config", "acme/web")
	const secret = "s3cr3t-value-never-shown-7f3a"
	const piped = "piped-secret-value-9c2e"
	var outputs []string
	run := func(code int, args ...string) result {
		r := slipway(t, nil, args...).must(t, code)
		outputs = append(outputs, r.stdout, r.stderr)
		return r
	}
	run(0, "config", "set", ref, "LOG_LEVEL=debug", "WORKERS=4")
	run(0, "config", "set", ref, "--secret", "--scope", "both", "DATABASE_URL="+secret)
	// A bare NAME reads the secret from standard input.
	cmd := exec.Command(binary, "config", "set", ref, "--secret", "API_KEY")
	cmd.Env = cliEnv(t, nil)
	cmd.Stdin = strings.NewReader(piped + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("config set from stdin: %v %s", err, out)
	}
	outputs = append(outputs, string(out))
	run(0, "config", "unset", ref, "WORKERS")

	show := run(0, "config", ref)
	for _, want := range []string{"LOG_LEVEL", "debug", "DATABASE_URL", "(secret)", "both", "API_KEY"} {
		if !strings.Contains(show.stdout, want) {
			t.Errorf("config lacks %q:\n%s", want, show.stdout)
		}
	}
	if strings.Contains(show.stdout, "WORKERS") {
		t.Errorf("WORKERS was unset:\n%s", show.stdout)
	}
	var cfg struct {
		Version int `json:"version"`
		Vars    map[string]struct {
			Value  *string `json:"value"`
			Secret bool    `json:"secret"`
		} `json:"vars"`
	}
	if err := json.Unmarshal([]byte(run(0, "config", ref, "--json").stdout), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 4 || !cfg.Vars["DATABASE_URL"].Secret || cfg.Vars["DATABASE_URL"].Value != nil {
		t.Errorf("config --json: %+v", cfg)
	}
	versions := run(0, "config", "versions", ref)
	if !strings.Contains(versions.stdout, "v4") || !strings.Contains(versions.stdout, "WORKERS") {
		t.Errorf("config versions:\n%s", versions.stdout)
	}
	run(0, "config", "versions", ref, "--json")
	// Bad input: one line naming the var, never its value.
	bad := run(1, "config", "set", ref, "--secret", "PORT="+secret)
	if !strings.Contains(bad.stderr, "vars.PORT") {
		t.Errorf("reserved name: %s", bad.stderr)
	}
	run(2, "config", "set", ref, "1BAD="+secret)
	run(2, "config", "set", ref, "NOVALUE")
	run(2, "config", "set", ref, "--scope", "everywhere", "A=b")

	for _, o := range outputs {
		if strings.Contains(o, secret) || strings.Contains(o, piped) {
			t.Fatalf("a secret value was echoed:\n%s", o)
		}
	}
}
