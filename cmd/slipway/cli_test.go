package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/sim"
)

// The built slipway binary and the local system the tests drive it
// against, both made once in TestMain.
var (
	binary string
	stack  *devstack.Stack
)

// cursorUp is a CSI sequence moving the cursor up (CUU, CPL).
var cursorUp = regexp.MustCompile(`\x1b\[[0-9]*[AF]`)

// brokenRepo is the repository whose simulated builds fail.
const brokenRepo = "acme/broken"

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "slipway-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "slipway")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building slipway:", err)
		return 1
	}
	simCfg, err := sim.ParseConfig(envMap{
		sim.EnvBuildSeconds: "0.2", sim.EnvRolloutSeconds: "0.2", sim.EnvFailBuild: "repo=" + brokenRepo,
	}.get)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stack, err = devstack.Start(ctx, devstack.Options{Addr: "127.0.0.1:0", Simulators: &simCfg})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the local system:", err)
		return 1
	}
	defer stack.Close()
	return m.Run()
}

type envMap map[string]string

func (e envMap) get(k string) string { return e[k] }

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// slipway runs the binary with args against the local system, with a
// config directory of its own (extra entries override the environment).
func slipway(t *testing.T, extra map[string]string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cliEnv(t, extra)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("slipway %s: %v", strings.Join(args, " "), err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func cliEnv(t *testing.T, extra map[string]string) []string {
	home := t.TempDir()
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"SLIPWAY_URL": stack.URL, "SLIPWAY_TOKEN": stack.Token,
	}
	for k, v := range extra {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// must fails the test unless r exited with code.
func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

var appSeq struct {
	sync.Mutex
	n int
}

// newApp creates demo/demo/<name>-N with repository repo through the CLI.
func newApp(t *testing.T, name, repo string) string {
	t.Helper()
	appSeq.Lock()
	appSeq.n++
	ref := fmt.Sprintf("demo/demo/%s-%d", name, appSeq.n)
	appSeq.Unlock()
	slipway(t, nil, "apps", "create", ref).must(t, 0)
	slipway(t, nil, "settings", "set", ref, "github_repository="+repo, "auto_deploy_branch=main", "deployment_timeout=60").must(t, 0)
	return ref
}

func TestDeployExitCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, repo string
		code       int
		stdout     []string
		stderr     []string
	}{
		{"ok", "acme/web", 0, []string{"build   v1   complete", "deploy  v1   complete", "release v1 is live at https://ok-", ".apps.localhost ("}, nil},
		{"broken", brokenRepo, 1, []string{"build   v1   error"}, []string{"error: build of demo/demo/broken-", "failed after", "simulated build failure"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref := newApp(t, tc.name, tc.repo)
			r := slipway(t, nil, "deploy", ref).must(t, tc.code)
			for _, want := range tc.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.ContainsRune(r.stdout+r.stderr, '\x1b') {
				t.Errorf("output to a pipe has ANSI escapes:\n%q", r.stdout)
			}
			if n := strings.Count(r.stderr, "\n"); n != tc.code {
				t.Errorf("stderr has %d lines, want %d (one error line on failure):\n%s", n, tc.code, r.stderr)
			}
		})
	}
}

// TestDeployOnATerminal runs deploy under a pseudo-terminal: the view is
// drawn with escapes and redrawn in place (cursor up), then the outcome.
func TestDeployOnATerminal(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "tty", "acme/web")
	cmd, tty := onTerminal(t, nil, "deploy", ref)
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		// The read ends with EIO once the child exits and closes the tty.
		_, _ = io.Copy(&out, tty)
		close(copied)
	}()
	werr := cmd.Wait()
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	if werr != nil {
		t.Fatalf("deploy on a terminal: %v\n%q", werr, out.String())
	}
	s := out.String()
	for _, want := range []string{"Deploying " + ref, "release v1 is live", "Cloning acme/web at main"} {
		if !strings.Contains(s, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, s)
		}
	}
	// Redrawn in place: the cursor moves up over the previous frame.
	if !cursorUp.MatchString(s) {
		t.Errorf("no cursor-up escape (CSI n A / CSI n F) in the terminal output:\n%q", s)
	}
	if n := strings.Count(s, "Deploying "+ref); n < 2 {
		t.Errorf("the view was drawn %d time(s), want it redrawn", n)
	}
}

// TestJSONIsTheAPIsJSON: every read command's --json prints the body the
// API answers, unchanged.
func TestJSONIsTheAPIsJSON(t *testing.T) {
	// Not parallel: the lists it compares (organizations, projects, the
	// demo project's applications) change while the parallel tests create
	// applications and organizations; sequential tests run alone.
	ref := newApp(t, "json", "acme/web")
	slipway(t, nil, "deploy", ref).must(t, 0)
	var app struct{ ID string }
	if err := json.Unmarshal([]byte(slipway(t, nil, "apps", "info", ref, "--json").must(t, 0).stdout), &app); err != nil || app.ID == "" {
		t.Fatalf("apps info --json: %v", err)
	}
	slug := strings.Split(ref, "/")[2]
	for _, tc := range []struct {
		args []string
		path string
	}{
		{[]string{"orgs"}, "/organizations"},
		{[]string{"projects", "demo"}, "/organizations/demo/projects"},
		{[]string{"apps", "demo/demo"}, "/applications/demo/demo"},
		{[]string{"apps", "list", "demo/demo"}, "/applications/demo/demo"},
		{[]string{"apps", "info", ref}, "/applications/demo/demo/" + slug},
		{[]string{"status", ref}, "/applications/" + app.ID + "/pipeline-status"},
		{[]string{"deployments", ref}, "/applications/" + app.ID + "/deployments"},
		{[]string{"metrics", ref}, "/applications/" + app.ID + "/pipeline-metrics"},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			got := slipway(t, nil, append(tc.args, "--json")...).must(t, 0).stdout
			if !json.Valid([]byte(got)) {
				t.Fatalf("not JSON: %q", got)
			}
			if want := apiGet(t, tc.path); strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("--json differs from GET %s:\n got %s\nwant %s", tc.path, got, want)
			}
		})
	}
	// observability's points move with the clock: compare the shape.
	var obs struct {
		Range   string `json:"range"`
		History []any  `json:"history"`
	}
	if err := json.Unmarshal([]byte(slipway(t, nil, "observe", ref, "--range", "6h", "--json").must(t, 0).stdout), &obs); err != nil || obs.Range != "6h" || len(obs.History) == 0 {
		t.Errorf("observe --json: %v %+v", err, obs)
	}
}

func apiGet(t *testing.T, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, stack.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+stack.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// TestReadCommandsForPeople: the tables and charts show the data.
func TestReadCommandsForPeople(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "read", "acme/web")
	slipway(t, nil, "scale", ref, "web=2:c1.medium").must(t, 0)
	slipway(t, nil, "deploy", ref, "--no-wait").must(t, 0)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"apps", "info", ref}, []string{"=== " + ref, "acme/web", "web=2:c1.medium"}},
		{[]string{"apps", "demo/demo"}, []string{ref}},
		{[]string{"status", ref}, []string{"STAGE", "build", "queued > building > complete"}},
		{[]string{"metrics", ref}, []string{"STAGE", "build", "release", "deploy"}},
		{[]string{"observe", ref}, []string{"cpu", "memory", "pods", "restarts"}},
		{[]string{"completion", "bash"}, []string{"bash completion"}},
		{[]string{"completion", "zsh"}, []string{"compdef"}},
		{[]string{"completion", "fish"}, []string{"complete -c slipway"}},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			r := slipway(t, nil, tc.args...).must(t, 0)
			for _, want := range tc.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("lacks %q:\n%s", want, r.stdout)
				}
			}
			if strings.ContainsRune(r.stdout, '\x1b') {
				t.Errorf("output to a pipe has ANSI escapes:\n%q", r.stdout)
			}
		})
	}
}

// TestErrorsAreOneLineWithTheirExitCode: usage 2, not found and
// unauthorized 3, unreachable 4 naming the URL, refused 1 with the fields.
func TestErrorsAreOneLineWithTheirExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		words []string
	}{
		{"unknown command", nil, []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"mistyped command", nil, []string{"domain", "demo/demo/x"}, 2, []string{`unknown command "domain" for "slipway" (did you mean domains?)`}},
		{"mistyped subcommand", nil, []string{"tokens", "creat", "demo", "ci"}, 2, []string{`unknown command "creat" for "slipway tokens" (did you mean create?)`}},
		{"mistyped subcommand, too few", nil, []string{"config", "st", "demo/demo/x"}, 2, []string{`unknown command "st" for "slipway config" (did you mean set?)`}},
		{"unknown flag", nil, []string{"orgs", "--frob"}, 2, []string{"unknown flag: --frob"}},
		{"missing argument", nil, []string{"deploy"}, 2, []string{"ORG/PROJECT/APP"}},
		{"bad ref", nil, []string{"apps", "info", "demo/Demo/x"}, 2, []string{`PROJECT "Demo" is not a slug`}},
		{"bad scale", nil, []string{"scale", "demo/demo/x", "web=lots"}, 2, []string{`"web=lots"`}},
		{"unknown setting", nil, []string{"settings", "set", "demo/demo/x", "colour=blue"}, 2, []string{`unknown setting "colour"`}},
		{"not found", nil, []string{"apps", "info", "demo/demo/missing"}, 3, []string{"error: not found:"}},
		{"unauthorized", map[string]string{"SLIPWAY_TOKEN": "slw_wrong"}, []string{"orgs"}, 3, []string{"error: unauthorized"}},
		{"not logged in", map[string]string{"SLIPWAY_URL": "-", "SLIPWAY_TOKEN": "-"}, []string{"orgs"}, 2, []string{"API URL \"-\""}},
		{"unreachable", map[string]string{"SLIPWAY_URL": "http://127.0.0.1:1"}, []string{"orgs"}, 4, []string{"cannot reach http://127.0.0.1:1"}},
		{"invalid", nil, []string{"apps", "create", "demo/demo/" + strings.Repeat("a", 63), "--name", " "}, 1, []string{"error: validation failed", "(name: "}},
		{"bad range", nil, []string{"observe", "demo/demo/x", "--range", "2h"}, 2, []string{"--range"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := slipway(t, tc.env, tc.args...).must(t, tc.code)
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "error: ") {
				t.Errorf("want one error line, got:\n%s", r.stderr)
			}
			for _, w := range tc.words {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
				t.Errorf("a stack trace: %s", r.stderr)
			}
		})
	}
}

// TestLoginStoresAPrivateProfile: login checks the token, stores it 0600,
// and later commands use it; a wrong token stores nothing.
func TestLoginStoresAPrivateProfile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "xdg"), "SLIPWAY_URL": "", "SLIPWAY_TOKEN": ""}
	file := filepath.Join(home, "xdg", "slipway", "config.json")

	r := slipway(t, env, "login", "--url", stack.URL, "--token", "slw_wrong").must(t, 3)
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused login stored a profile: %v (%s)", err, r.stderr)
	}
	slipway(t, env, "orgs").must(t, 3)

	slipway(t, env, "login", "--url", stack.URL, "--token", stack.Token).must(t, 0)
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("profile mode %v, want 0600", info.Mode().Perm())
	}
	if r := slipway(t, env, "orgs").must(t, 0); !strings.Contains(r.stdout, "demo") {
		t.Errorf("orgs with the stored profile: %s", r.stdout)
	}
	// Another profile, the token from standard input.
	cmd := exec.Command(binary, "login", "--profile", "other", "--url", stack.URL)
	cmd.Env = cliEnv(t, env)
	cmd.Stdin = strings.NewReader(stack.Token + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("login from stdin: %v %s", err, out)
	}
	slipway(t, env, "--profile", "other", "orgs").must(t, 0)
	slipway(t, env, "--profile", "nobody", "orgs").must(t, 3)
	// SLIPWAY_TOKEN overrides the stored token.
	slipway(t, map[string]string{"HOME": home, "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"], "SLIPWAY_URL": "", "SLIPWAY_TOKEN": "slw_wrong"}, "orgs").must(t, 3)
}

// TestTokensCreateAndRevoke: the secret goes to stdout alone, and a
// revoked token stops working.
func TestTokensCreateAndRevoke(t *testing.T) {
	t.Parallel()
	r := slipway(t, nil, "tokens", "create", "demo", "ci", "--role", "member", "--json").must(t, 0)
	var tok struct{ ID, Token string }
	if err := json.Unmarshal([]byte(r.stdout), &tok); err != nil || tok.Token == "" {
		t.Fatalf("tokens create --json: %v %s", err, r.stdout)
	}
	slipway(t, map[string]string{"SLIPWAY_TOKEN": tok.Token}, "projects", "demo").must(t, 0)
	// A member may read but not create.
	slipway(t, map[string]string{"SLIPWAY_TOKEN": tok.Token}, "apps", "create", "demo/demo/nope").must(t, 3)
	slipway(t, nil, "tokens", "revoke", "demo", tok.ID).must(t, 0)
	slipway(t, map[string]string{"SLIPWAY_TOKEN": tok.Token}, "projects", "demo").must(t, 3)

	plain := slipway(t, nil, "tokens", "create", "demo", "ci2").must(t, 0)
	if got := strings.TrimSpace(plain.stdout); !strings.HasPrefix(got, "slw_") || strings.Contains(got, "\n") {
		t.Errorf("stdout is not the token alone: %q", plain.stdout)
	}
}

// TestDeployInterrupted: Ctrl-C stops watching, leaves the pipeline
// running and exits 130 — as a signal when stdout is a pipe, as a key
// under a terminal (answering no to "cancel the pipeline?").
func TestDeployInterrupted(t *testing.T) {
	t.Parallel()
	t.Run("signal", func(t *testing.T) {
		t.Parallel()
		ref := newApp(t, "sigint", "acme/web")
		cmd := exec.Command(binary, "deploy", ref)
		cmd.Env = cliEnv(t, nil)
		code, stderr := interruptAt(t, cmd, "build")
		if code != 130 || !strings.Contains(stderr, "stopped watching; the pipeline goes on") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("key", func(t *testing.T) {
		t.Parallel()
		ref := newApp(t, "ctrlc", "acme/web")
		cmd, tty := onTerminal(t, nil, "deploy", ref)
		var out bytes.Buffer
		readUntil(t, tty, &out, "build")
		if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C
			t.Fatal(err)
		}
		readUntil(t, tty, &out, "cancel the pipeline? [y/N]")
		if _, err := tty.Write([]byte("n")); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _, _ = io.Copy(&out, tty); close(done) }()
		_ = cmd.Wait()
		<-done
		if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(out.String(), "stopped watching") {
			t.Fatalf("exit %d, output %q", code, out.String())
		}
	})
}
