package devstack_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/sim"
)

// TestStageTransitionsLogged deploys one application that works and one
// whose pods crash-loop, and reads the "pipeline" log records back: every
// stage of each pipeline once per status, the failure with its reason.
// It replaces the process-wide slog default, so it does not run in
// parallel.
func TestStageTransitionsLogged(t *testing.T) {
	var logs syncBuffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	t.Cleanup(func() { slog.SetDefault(previous) })

	cfg := sim.DefaultConfig()
	var err error
	if cfg.CrashLoop, err = sim.ParseCrashRules("crashy"); err != nil {
		t.Fatal(err)
	}
	c, stack, _ := startStack(t, &cfg)
	for _, slug := range []string{"good", "crashy"} {
		id := newApp(t, c, slug)
		if status, body := c.do("POST", "/applications/"+id+"/deploy", ""); status != 202 {
			t.Fatalf("deploy: %d %v", status, body)
		}
		stack.Runner.Wait()
	}

	got := map[string][]string{} // app → "stage status" in order
	pipelines := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] != "pipeline" {
			continue
		}
		app := rec["app"].(string)
		entry := rec["stage"].(string) + " " + rec["status"].(string)
		if reason, ok := rec["reason"].(string); ok {
			entry += ": " + reason
		}
		got[app] = append(got[app], entry)
		if p, _ := rec["pipeline"].(string); p == "" || (pipelines[app] != "" && pipelines[app] != p) {
			t.Fatalf("%s: pipeline id %q (before: %q)", app, p, pipelines[app])
		}
		pipelines[app] = rec["pipeline"].(string)
	}
	want := map[string]string{
		"demo/demo/good":   "build in_progress|build complete|release in_progress|release complete|deploy in_progress|deploy complete",
		"demo/demo/crashy": "build in_progress|build complete|release in_progress|release complete|deploy in_progress|deploy error: rollout failed: simulated crash loop",
	}
	for app, w := range want {
		if g := strings.Join(got[app], "|"); !strings.HasPrefix(g, w) {
			t.Errorf("%s transitions:\n got %s\nwant %s", app, g, w)
		}
	}
}
