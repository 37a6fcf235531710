package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

type client struct {
	t     *testing.T
	base  string
	token string
	// raw, when set, keeps every response's body and header.
	raw *[]string
}

func (c client) do(method, path, body string, header ...string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if c.raw != nil {
		*c.raw = append(*c.raw, string(raw), fmt.Sprint(resp.Header))
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func startStack(t *testing.T, simCfg *sim.Config) (client, *devstack.Stack, *stepfn.VirtualClock) {
	t.Helper()
	clock := testClock()
	c, stack := startStackWith(t, devstack.Options{Clock: clock, Simulators: simCfg, WebhookSecret: "local-secret"})
	return c, stack, clock
}

// testClock is a virtual clock at the tests' start time.
func testClock() *stepfn.VirtualClock {
	return stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
}

// startStackWith starts the local system with opts on a free port with the
// dev token slw_test, closed when the test ends, and returns a client of it.
func startStackWith(t *testing.T, opts devstack.Options) (client, *devstack.Stack) {
	t.Helper()
	opts.Addr, opts.DevToken = "127.0.0.1:0", "slw_test"
	stack, err := devstack.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	return client{t: t, base: stack.URL, token: "slw_test"}, stack
}

// newApp creates demo/demo/<slug> deployable from acme/<slug>@main.
func newApp(t *testing.T, c client, slug string) string {
	t.Helper()
	status, projects := c.do("GET", "/organizations/demo/projects", "")
	if status != 200 {
		t.Fatalf("projects: %d", status)
	}
	projectID := projects["items"].([]any)[0].(map[string]any)["id"].(string)
	status, app := c.do("POST", "/applications", fmt.Sprintf(`{"name":%q,"slug":%q,"project_id":%q}`, slug, slug, projectID))
	if status != 201 {
		t.Fatalf("create: %d %v", status, app)
	}
	id := app["id"].(string)
	if status, body := c.do("PATCH", "/applications/"+id+"/settings", fmt.Sprintf(`{"github_repository":"acme/%s","auto_deploy_branch":"main"}`, slug)); status != 200 {
		t.Fatalf("settings: %d %v", status, body)
	}
	return id
}

// TestLocalFullDeploy is the local system end to end: Full Deploy through
// the embedded state machine executor and the simulators, on a virtual
// clock, then Pipeline Status, List Deployments and Get.
func TestLocalFullDeploy(t *testing.T) {
	c, stack, clock := startStack(t, nil)
	id := newApp(t, c, "web")
	start := clock.Now()
	if status, body := c.do("POST", "/applications/"+id+"/deploy", ""); status != 202 {
		t.Fatalf("deploy: %d %v", status, body)
	}
	stack.Runner.Wait()
	if took := clock.Now().Sub(start); took > 15*time.Second {
		t.Fatalf("the pipeline took %s of simulated time, want under 15 s", took)
	}
	_, status := c.do("GET", "/applications/"+id+"/pipeline-status", "")
	for _, stage := range []string{"build", "release", "deploy"} {
		if s := status[stage].(map[string]any); s["status"] != "complete" {
			t.Fatalf("%s: %v", stage, s)
		}
	}
	_, list := c.do("GET", "/applications/"+id+"/deployments", "")
	if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["complete"] != true {
		t.Fatalf("deployments %v", list)
	}
	_, app := c.do("GET", "/applications/demo/demo/web", "")
	if procs := app["latest_image"].(map[string]any)["processes"].(map[string]any); procs["web"] == nil || procs["worker"] == nil {
		t.Fatalf("the simulated image declares web and worker: %v", procs)
	}
	if s, body := c.do("POST", "/applications/"+id+"/scale", `{"process_counts":{"web":3}}`); s != 200 {
		t.Fatalf("scale: %d %v", s, body)
	}
}

func TestLocalFailuresShowTheirReason(t *testing.T) {
	cfg := sim.DefaultConfig()
	var err error
	if cfg.FailBuilds, err = sim.ParseFailRules("repo=acme/broken"); err != nil {
		t.Fatal(err)
	}
	if cfg.CrashLoop, err = sim.ParseCrashRules("crashy"); err != nil {
		t.Fatal(err)
	}
	c, stack, _ := startStack(t, &cfg)
	for _, tc := range []struct{ slug, stage, reason string }{
		{"broken", "build", "simulated build failure"},
		{"crashy", "deploy", "simulated crash loop"},
	} {
		id := newApp(t, c, tc.slug)
		c.do("POST", "/applications/"+id+"/deploy", "")
		stack.Runner.Wait()
		_, status := c.do("GET", "/applications/"+id+"/pipeline-status", "")
		s := status[tc.stage].(map[string]any)
		if s["status"] != "error" || !strings.Contains(fmt.Sprint(s["error_detail"]), tc.reason) || status["pipeline_active"] != false {
			t.Fatalf("%s: %v", tc.slug, status)
		}
	}
}

func TestLocalWebhookDeploys(t *testing.T) {
	c, stack, _ := startStack(t, nil)
	id := newApp(t, c, "hooked")
	// The push deploys the application through its own installation only.
	if status, body := c.do("PUT", "/organizations/demo/github-installations/777", ""); status != 200 || body["account"] != nil {
		t.Fatalf("link: %d %v", status, body)
	}
	if status, body := c.do("PATCH", "/applications/"+id+"/settings", `{"github_app_installation_id":777}`); status != 200 {
		t.Fatalf("settings: %d %v", status, body)
	}
	body := `{"ref":"refs/heads/main","before":"` + strings.Repeat("0", 40) + `","after":"` + strings.Repeat("1", 40) +
		`","repository":{"full_name":"acme/hooked"},"pusher":{"name":"octocat"},"commits":[{"id":"x","added":["a"],"removed":[],"modified":[]}],` +
		`"installation":{"id":777}}`
	status, out := c.do("POST", "/webhooks/github", body, "X-GitHub-Event", "push", "X-GitHub-Delivery", "local-1",
		"X-Hub-Signature-256", github.Signature([]byte("local-secret"), []byte(body)))
	if status != 200 || !strings.HasPrefix(fmt.Sprint(out["applications"].(map[string]any)[id]), "started ") {
		t.Fatalf("push: %d %v", status, out)
	}
	stack.Runner.Wait()
	_, list := c.do("GET", "/applications/"+id+"/deployments", "")
	dep := list["items"].([]any)[0].(map[string]any)
	if dep["trigger"] != "auto" || dep["triggered_by"] != "octocat" || dep["commit_sha"] != strings.Repeat("1", 40) {
		t.Fatalf("deployment %v", dep)
	}
}
