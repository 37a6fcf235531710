package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/sim"
)

// TestDeployReleaseRollback: deploy --commit, release, rollback v1 (which
// pauses auto-deploy), and the usage errors of their flags.
func TestDeployReleaseRollback(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "pipes", "acme/web")
	slipway(t, nil, "deploy", ref, "--commit", "0123456789abcdef0123456789abcdef01234567").must(t, 0)
	slipway(t, nil, "deploy", ref, "--commit", "0123456789abcdef0123456789abcdef01234567", "--ref", "main").must(t, 2)

	if r := slipway(t, nil, "release", ref).must(t, 0); !strings.Contains(r.stdout, "release v2 is live") {
		t.Errorf("release: want release v2 live:\n%s", r.stdout)
	}
	slipway(t, nil, "rollback", ref, "one").must(t, 2)
	if r := slipway(t, nil, "rollback", ref, "v1").must(t, 0); !strings.Contains(r.stdout, "release v3 is live") {
		t.Errorf("rollback v1: want release v3 live:\n%s", r.stdout)
	}
	var app struct {
		AutoDeployPaused bool `json:"auto_deploy_paused"`
	}
	if err := json.Unmarshal([]byte(slipway(t, nil, "apps", "info", ref, "--json").must(t, 0).stdout), &app); err != nil {
		t.Fatal(err)
	}
	if !app.AutoDeployPaused {
		t.Error("after a rollback auto_deploy_paused is false")
	}
	if r := slipway(t, nil, "status", ref).must(t, 0); !strings.Contains(r.stdout, "(rollback)") {
		t.Errorf("status: want the rollback pipeline's kind:\n%s", r.stdout)
	}
}

// TestCancel: cancel stops a running deploy, whose watch then fails with
// "canceled"; with nothing running cancel is an error; Ctrl-C on a
// terminal, answered y, cancels too. It runs against a
// local system of its own whose builds take long enough to be canceled.
func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	slow := sim.Config{BuildDuration: time.Minute, RolloutDuration: time.Second}
	st, err := devstack.Start(ctx, devstack.Options{Addr: "127.0.0.1:0", Simulators: &slow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	env := map[string]string{"SLIPWAY_URL": st.URL, "SLIPWAY_TOKEN": st.Token}
	ref := "demo/demo/cancel"
	slipway(t, env, "apps", "create", ref).must(t, 0)
	slipway(t, env, "settings", "set", ref, "github_repository=acme/web", "auto_deploy_branch=main").must(t, 0)

	if r := slipway(t, env, "cancel", ref).must(t, 1); !strings.Contains(r.stderr, "no pipeline of "+ref+" is running") {
		t.Errorf("cancel with nothing running: %q", r.stderr)
	}

	cmd := exec.Command(binary, "deploy", ref)
	cmd.Env = cliEnv(t, env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(slipway(t, env, "status", ref).must(t, 0).stdout, "pipeline running") {
		if time.Now().After(deadline) {
			t.Fatal("the deploy never started")
		}
		time.Sleep(100 * time.Millisecond)
	}
	slipway(t, env, "cancel", ref).must(t, 0)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "canceled") {
		t.Fatalf("watched deploy: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}

	// On a terminal Ctrl-C asks; yes cancels and the watch reports it.
	tcmd, tty := onTerminal(t, env, "deploy", ref)
	var out bytes.Buffer
	readUntil(t, tty, &out, "building")
	if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	readUntil(t, tty, &out, "cancel the pipeline? [y/N]")
	if _, err := tty.Write([]byte("y")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&out, tty); close(done) }()
	_ = tcmd.Wait()
	<-done
	if code := tcmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out.String(), "was canceled") {
		t.Fatalf("Ctrl-C, y: exit %d, output %q", code, out.String())
	}
}

// readUntil reads r into out until out contains want.
func readUntil(t *testing.T, r io.Reader, out *bytes.Buffer, want string) {
	t.Helper()
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), want) {
		n, err := r.Read(buf)
		if err != nil {
			t.Fatalf("reading until %q: %v (%q)", want, err, out.String())
		}
		out.Write(buf[:n])
	}
}

// onTerminal starts the CLI with args (and the extra environment) under a
// 120x30 pseudo-terminal, closed when the test ends.
func onTerminal(t *testing.T, extra map[string]string, args ...string) (*exec.Cmd, *os.File) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cliEnv(t, extra), "TERM=xterm-256color")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return cmd, tty
}

// interruptAt starts cmd with its stdout on a pipe, sends it an interrupt
// once stdout shows marker, and returns its exit status and stderr.
func interruptAt(t *testing.T, cmd *exec.Cmd, marker string) (code int, stderr string) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	readUntil(t, stdout, &out, marker)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(&out, stdout)
	_ = cmd.Wait()
	return cmd.ProcessState.ExitCode(), errBuf.String()
}
