package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
)

// buildSlipway builds this command once per test binary run.
func buildSlipway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "slipway")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the environment without the variables that would change
// what `slipway dev` does.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case envDevToken, envDataDir, envAddr, envLogLevel, "DYNAMODB_ENDPOINT", "TABLE_NAME", "SLIPWAY_GITHUB_WEBHOOK_SECRET":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// devProcess is a running `slipway dev` and what its banner said.
type devProcess struct {
	cmd    *exec.Cmd
	url    string
	token  string // "" when the banner printed none
	banner string
}

func startDev(t *testing.T, bin string, args ...string) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"dev", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = cleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	var banner strings.Builder
	for lines.Scan() {
		line := lines.Text()
		banner.WriteString(line + "\n")
		if rest, ok := strings.CutPrefix(line, "Slipway is running at "); ok {
			p.url = rest
		}
		if rest, ok := strings.CutPrefix(line, "Platform token: slw_"); ok {
			p.token = "slw_" + rest
		}
		if strings.HasPrefix(line, "Try:") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	p.banner = banner.String()
	if p.url == "" {
		t.Fatalf("no URL in the banner:\n%s", p.banner)
	}
	return p
}

func (p *devProcess) do(t *testing.T, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestDevSurvivesKill9 builds the binary, writes through it, kills it with
// SIGKILL (no chance to flush or compact) and starts it again on the same
// data directory: everything acknowledged is there, and the platform token
// still works without being printed again. A rotation then prints a new
// token and the old one stops working.
func TestDevSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildSlipway(t)
	dir := filepath.Join(t.TempDir(), "data")
	first := startDev(t, bin, "--data-dir", dir)
	if first.token == "" {
		t.Fatalf("a new data directory prints its token:\n%s", first.banner)
	}
	token := first.token
	_, projects := first.do(t, token, "GET", "/organizations/demo/projects", "")
	projectID := projects["items"].([]any)[0].(map[string]any)["id"].(string)
	var apps []string
	for i := range 20 {
		slug := fmt.Sprintf("app-%d", i)
		status, body := first.do(t, token, "POST", "/applications", fmt.Sprintf(`{"name":%q,"slug":%q,"project_id":%q}`, slug, slug, projectID))
		if status != 201 {
			t.Fatalf("create %s: %d %v", slug, status, body)
		}
		apps = append(apps, slug)
	}
	if status, body := first.do(t, token, "POST", "/organizations", `{"name":"Acme","slug":"acme"}`); status != 201 {
		t.Fatalf("create organization: %d %v", status, body)
	}
	// A pipeline in flight when the process dies (the simulated build takes 3 s).
	deployed := apps[0]
	_, app := first.do(t, token, "GET", "/applications/demo/demo/"+deployed, "")
	appID := app["id"].(string)
	if status, body := first.do(t, token, "PATCH", "/applications/"+appID+"/settings", `{"github_repository":"acme/web","auto_deploy_branch":"main"}`); status != 200 {
		t.Fatalf("settings: %d %v", status, body)
	}
	if status, body := first.do(t, token, "POST", "/applications/"+appID+"/deploy", ""); status != 202 {
		t.Fatalf("deploy: %d %v", status, body)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	second := startDev(t, bin, "--data-dir", dir)
	if second.token != "" || !strings.Contains(second.banner, "the one printed when this data was created") {
		t.Fatalf("a restart must keep the token and not print one:\n%s", second.banner)
	}
	for _, slug := range apps {
		if status, body := second.do(t, token, "GET", "/applications/demo/demo/"+slug, ""); status != 200 {
			t.Fatalf("after kill -9, %s: %d %v", slug, status, body)
		}
	}
	if status, _ := second.do(t, token, "GET", "/organizations/acme/projects", ""); status != 200 {
		t.Fatalf("after kill -9, organization acme: %d", status)
	}
	// The interrupted pipeline is failed, not left in progress, and the
	// application deploys again.
	_, status := second.do(t, token, "GET", "/applications/"+appID+"/pipeline-status", "")
	build, _ := status["build"].(map[string]any)
	if build["status"] != "error" || build["error_detail"] != devstack.InterruptedReason || status["pipeline_active"] != false {
		t.Fatalf("the interrupted pipeline: %v", status)
	}
	if code, body := second.do(t, token, "POST", "/applications/"+appID+"/deploy", ""); code != 202 {
		t.Fatalf("deploy after the restart: %d %v", code, body)
	}
	_ = second.cmd.Process.Signal(syscall.SIGINT)
	if err := waitExit(second.cmd, 30*time.Second); err != nil {
		t.Fatalf("Ctrl-C: %v (want a clean exit 0)", err)
	}

	rotated := startDev(t, bin, "--data-dir", dir, "--rotate-token")
	if rotated.token == "" || rotated.token == token {
		t.Fatalf("--rotate-token must print a new token:\n%s", rotated.banner)
	}
	if status, _ := rotated.do(t, token, "GET", "/applications/demo/demo", ""); status != 401 {
		t.Fatalf("the rotated-out token: %d, want 401", status)
	}
	if status, _ := rotated.do(t, rotated.token, "GET", "/applications/demo/demo", ""); status != 200 {
		t.Fatalf("the new token: %d", status)
	}
}

func waitExit(cmd *exec.Cmd, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return fmt.Errorf("still running after %s", limit)
	}
}

func TestDevArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0},
		{[]string{"-h"}, 0},
		{[]string{"--bogus"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"--log-level", "loud"}, 2},
		{[]string{"--in-memory", "--data-dir", "x"}, 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if got := exitCode("dev", runDev(tc.args)); got != tc.code {
				t.Fatalf("exit %d, want %d", got, tc.code)
			}
		})
	}
}
