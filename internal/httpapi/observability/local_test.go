package observability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// local is the local system on a virtual clock, driven through its handler.
type local struct {
	t     testing.TB
	stack *devstack.Stack
	clock *stepfn.VirtualClock
}

func startLocal(t testing.TB, crashLoop string) *local {
	t.Helper()
	cfg := sim.DefaultConfig()
	var err error
	if cfg.CrashLoop, err = sim.ParseCrashRules(crashLoop); err != nil {
		t.Fatal(err)
	}
	clock := stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	stack, err := devstack.Start(context.Background(), devstack.Options{Addr: "127.0.0.1:0", DevToken: "slw_obs", Clock: clock, Simulators: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	return &local{t: t, stack: stack, clock: clock}
}

func (l *local) call(method, path, body string) map[string]any {
	l.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer slw_obs")
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	l.stack.Handler.ServeHTTP(w, r)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	if w.Code >= 300 {
		l.t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
	}
	return out
}

// deployed creates demo/demo/<slug> and runs Full Deploy to its end.
func (l *local) deployed(slug string) string {
	l.t.Helper()
	project := l.call("GET", "/organizations/demo/projects", "")["items"].([]any)[0].(map[string]any)["id"]
	id := l.call("POST", "/applications", fmt.Sprintf(`{"name":%q,"slug":%q,"project_id":%q}`, slug, slug, project))["id"].(string)
	l.call("PATCH", "/applications/"+id+"/settings", `{"github_repository":"acme/`+slug+`","auto_deploy_branch":"main"}`)
	l.call("POST", "/applications/"+id+"/deploy", "")
	l.stack.Runner.Wait()
	return id
}

// history returns the points of a range, by timestamp ("15:04").
func (l *local) history(id, rng string) (map[string]map[string]any, []map[string]any) {
	l.t.Helper()
	out := l.call("GET", "/applications/"+id+"/observability?range="+rng, "")
	byTime := map[string]map[string]any{}
	var points []map[string]any
	for _, p := range out["history"].([]any) {
		pt := p.(map[string]any)
		ts, _ := time.Parse(time.RFC3339, pt["timestamp"].(string))
		byTime[ts.Format("15:04")] = pt
		points = append(points, pt)
	}
	return byTime, points
}

// TestLocalHistory is the local system end to end: nulls before the first
// deploy, one web pod after it, three after a scale, and a crash-looping
// application whose restarts show up step by step.
func TestLocalHistory(t *testing.T) {
	l := startLocal(t, "crashy")
	web := l.deployed("web") // applied at ≈12:00:07, one web pod
	_, before := l.history(web, "1h")
	if len(before) != 60 || before[59]["pod_count"] != nil {
		t.Fatalf("before the first whole minute: %v", before[59])
	}
	l.clock.Advance(10 * time.Minute)
	l.call("POST", "/applications/"+web+"/scale", `{"process_counts":{"web":3}}`) // ≈12:10:07
	crashy := l.deployed("crashy")                                                // ≈12:10:14, rollout fails, pods keep restarting
	l.clock.Advance(20 * time.Minute)                                             // ≈12:30:14

	byTime, points := l.history(web, "1h")
	if len(points) != 60 || points[0]["timestamp"] != "2026-11-26T11:30:00.000Z" || points[59]["timestamp"] != "2026-11-26T12:29:00.000Z" {
		t.Fatalf("window %v – %v (%d points)", points[0]["timestamp"], points[len(points)-1]["timestamp"], len(points))
	}
	for minute := 30; minute < 60; minute++ {
		if p := byTime[fmt.Sprintf("11:%02d", minute)]; p["cpu_usage_m"] != nil || p["pod_count"] != nil || p["restart_count"] != nil {
			t.Fatalf("11:%02d, before the first deploy: %v", minute, p)
		}
	}
	for minute := 1; minute < 30; minute++ {
		p := byTime[fmt.Sprintf("12:%02d", minute)]
		wantPods := 1.0
		if minute > 10 {
			wantPods = 3
		}
		cpu, _ := p["cpu_usage_m"].(float64)
		mem, _ := p["memory_usage_bytes"].(float64)
		// m1.large: 500m and 1 GiB requested a pod, 35–60% and 40–70% used
		if p["pod_count"] != wantPods || p["restart_count"] != 0.0 || cpu < 175*wantPods-1 || cpu > 300*wantPods+1 ||
			mem < 0.4*(1<<30)*wantPods-1 || mem > 0.7*(1<<30)*wantPods+1 {
			t.Fatalf("12:%02d: %v, want %v pods", minute, p, wantPods)
		}
	}

	// 5-minute steps average the minutes: 12:10 (1 pod) and 12:11–12:14 (3).
	coarse, _ := l.history(web, "6h")
	if p := coarse["12:10"]; p["pod_count"] != 3.0 { // (1 + 4×3) / 5 = 2.6
		t.Fatalf("12:10 step of 6h: %v", p)
	}
	if p := coarse["12:00"]; p["pod_count"] != 1.0 { // 12:01–12:04 with 1 pod, 12:00 none: 0.8
		t.Fatalf("12:00 step of 6h: %v", p)
	}

	crashPoints, _ := l.history(crashy, "1h")
	var restarts float64
	for minute := 11; minute < 30; minute++ {
		p := crashPoints[fmt.Sprintf("12:%02d", minute)]
		restarts += p["restart_count"].(float64)
		if p["pod_count"] != 1.0 {
			t.Fatalf("crash loop 12:%02d: %v", minute, p)
		}
	}
	// Kubernetes' back-off restarts a crashing container at 10, 30, 70, 150
	// and 310 s, then every 300 s: 7 restarts from 12:10:14 to 12:29, the
	// step sums are the simulator's cumulative count.
	last := l.stack.Cluster.Samples(crashy, time.Date(2026, 11, 26, 12, 29, 0, 0, time.UTC), time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC))
	if restarts == 0 || restarts != float64(last[0].Restarts) {
		t.Fatalf("%v restarts over the window; the simulator counted %d", restarts, last[0].Restarts)
	}
	if p := crashPoints["12:11"]; p["restart_count"] != 2.0 { // at 10 s and 30 s after 12:10:14
		t.Fatalf("first whole minute of the crash loop: %v", p)
	}
}

// BenchmarkLocalHistory measures the local endpoint over real HTTP on
// loopback, the token lookup and the application read included, for an
// application with three pods of two processes: range=30d reads 43,200
// simulated minutes of each process into 720 points.
func BenchmarkLocalHistory(b *testing.B) {
	l := startLocal(b, "")
	id := l.deployed("web")
	l.call("POST", "/applications/"+id+"/scale", `{"process_counts":{"web":2,"worker":1}}`)
	l.clock.Advance(31 * 24 * time.Hour)
	client := &http.Client{}
	for _, tc := range []struct {
		rng    string
		points int
	}{{"1h", 60}, {"24h", 288}, {"30d", 720}} {
		b.Run(tc.rng, func(b *testing.B) {
			req, _ := http.NewRequest("GET", l.stack.URL+"/applications/"+id+"/observability?range="+tc.rng, nil)
			req.Header.Set("Authorization", "Bearer slw_obs")
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var out struct {
					History []struct {
						PodCount *int `json:"pod_count"`
					} `json:"history"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				last := len(out.History) - 1
				if err != nil || resp.StatusCode != 200 || last != tc.points-1 || out.History[last].PodCount == nil || *out.History[last].PodCount != 3 {
					b.Fatalf("%d %v", resp.StatusCode, err)
				}
			}
		})
	}
}
