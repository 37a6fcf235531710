package observability_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/platform"
)

type req = apitest.Request

// fakeSource answers History with usage at chosen steps of the window and
// remembers what it was asked.
type fakeSource struct {
	mu     sync.Mutex
	asked  []platform.UsageWindow
	apps   []string
	usage  map[int]platform.Usage // by step index
	extras []platform.UsagePoint  // returned as they are
	err    error
}

func (f *fakeSource) History(_ context.Context, app platform.Application, w platform.UsageWindow) ([]platform.UsagePoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked, f.apps = append(f.asked, w), append(f.apps, app.ID)
	var out []platform.UsagePoint
	for i, u := range f.usage {
		out = append(out, platform.UsagePoint{Time: w.Start.Add(time.Duration(i) * w.Step), Usage: &u})
	}
	return append(out, f.extras...), f.err
}

// now is the fixture's clock: 30 s into a new month.
var now = time.Date(2026, 12, 1, 0, 0, 30, 0, time.UTC)

func newFixture(t *testing.T, src *fakeSource) (*apitest.Env, string) {
	t.Helper()
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return observability.Routes(observability.Deps{Store: env.Store, Source: src, Now: func() time.Time { return now }})
	})
	return newFixtureIn(t, env)
}

type response struct {
	Range       string           `json:"range"`
	StepSeconds int              `json:"step_seconds"`
	History     []map[string]any `json:"history"`
}

func decode(t *testing.T, r *apitest.Response) response {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var keys map[string]json.RawMessage
	var out response
	if err := json.Unmarshal(r.Body, &keys); err != nil || json.Unmarshal(r.Body, &out) != nil || len(keys) != 3 {
		t.Fatalf("body %s", r.Body)
	}
	return out
}

func TestHistoryShape(t *testing.T) {
	src := &fakeSource{usage: map[int]platform.Usage{
		0:  {CPUMillicores: 250, MemoryBytes: 536870912, Pods: 2, Restarts: 0},
		59: {CPUMillicores: 10, MemoryBytes: 1, Pods: 1, Restarts: 4},
	}}
	env, id := newFixture(t, src)
	for _, tc := range []struct {
		query       string
		rng         string
		step, count int
		first, last string
	}{
		{"", "1h", 60, 60, "2026-11-30T23:00:00.000Z", "2026-11-30T23:59:00.000Z"},
		{"?range=1h", "1h", 60, 60, "2026-11-30T23:00:00.000Z", "2026-11-30T23:59:00.000Z"},
		{"?range=6h", "6h", 300, 72, "2026-11-30T18:00:00.000Z", "2026-11-30T23:55:00.000Z"},
		{"?range=24h", "24h", 300, 288, "2026-11-30T00:00:00.000Z", "2026-11-30T23:55:00.000Z"},
		{"?range=7d", "7d", 3600, 168, "2026-11-24T00:00:00.000Z", "2026-11-30T23:00:00.000Z"},
		{"?range=30d", "30d", 3600, 720, "2026-11-01T00:00:00.000Z", "2026-11-30T23:00:00.000Z"},
	} {
		t.Run(tc.rng+tc.query, func(t *testing.T) {
			out := decode(t, env.Do(req{Method: "GET", Path: "/applications/" + id + "/observability" + tc.query, Token: apitest.Member}))
			if out.Range != tc.rng || out.StepSeconds != tc.step || len(out.History) != tc.count {
				t.Fatalf("range %q step %d, %d points", out.Range, out.StepSeconds, len(out.History))
			}
			if out.History[0]["timestamp"] != tc.first || out.History[tc.count-1]["timestamp"] != tc.last {
				t.Fatalf("first %v last %v", out.History[0]["timestamp"], out.History[tc.count-1]["timestamp"])
			}
			for i, p := range out.History {
				if len(p) != 5 {
					t.Fatalf("point %d has members %v", i, p)
				}
				if i > 0 {
					prev, _ := time.Parse(time.RFC3339, out.History[i-1]["timestamp"].(string))
					cur, _ := time.Parse(time.RFC3339, p["timestamp"].(string))
					if cur.Sub(prev) != time.Duration(tc.step)*time.Second {
						t.Fatalf("points %d and %d are %v apart", i-1, i, cur.Sub(prev))
					}
				}
			}
			first, last, middle := out.History[0], out.History[59], out.History[30]
			if fmt.Sprint(first["cpu_usage_m"], first["memory_usage_bytes"], first["pod_count"], first["restart_count"]) != "250 5.36870912e+08 2 0" ||
				fmt.Sprint(last["restart_count"]) != "4" {
				t.Fatalf("points with data: %v %v", first, last)
			}
			for _, k := range []string{"cpu_usage_m", "memory_usage_bytes", "pod_count", "restart_count"} {
				if v, present := middle[k]; !present || v != nil {
					t.Fatalf("a step without data: %s = %v (present %v)", k, v, present)
				}
			}
		})
	}
	if w := src.asked[len(src.asked)-1]; !w.End.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || src.apps[0] != id {
		t.Fatalf("the source was asked for %+v of %v", w, src.apps)
	}
}

// Points a source returns outside the window, or twice for one step, do
// not change the grid.
func TestHistoryGridIsTheHandlers(t *testing.T) {
	u := platform.Usage{Pods: 1}
	src := &fakeSource{extras: []platform.UsagePoint{{Time: now, Usage: &u}, {Time: now.Add(-2 * time.Hour), Usage: &u}}}
	env, id := newFixture(t, src)
	out := decode(t, env.Do(req{Method: "GET", Path: "/applications/" + id + "/observability", Token: apitest.Admin}))
	for _, p := range out.History {
		if p["pod_count"] != nil {
			t.Fatalf("a point outside the window shows: %v", p)
		}
	}
}

func TestHistoryRefusals(t *testing.T) {
	src := &fakeSource{}
	env, id := newFixture(t, src)
	path := "/applications/" + id + "/observability"
	for _, tc := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"member of the organization", path, apitest.Member, 200, ""},
		{"admin", path, apitest.Admin, 200, ""},
		{"platform", path, apitest.Platform, 200, ""},
		{"other organization", path, apitest.OtherMember, 404, "not_found"},
		{"unknown application", "/applications/" + env.IDs.NewID() + "/observability", apitest.Platform, 404, "not_found"},
		{"not a uuid", "/applications/web/observability", apitest.Platform, 404, "not_found"},
		{"no token", path, "", 401, "unauthorized"},
		{"a wrong token", path, "slw_nope", 401, "unauthorized"},
		{"no token and a bad range", path + "?range=2h", "", 401, "unauthorized"},
		{"a bad range", path + "?range=2h", apitest.Member, 422, "validation_failed"},
		{"an empty range is the default", path + "?range=", apitest.Member, 200, ""},
		{"a bad range of an unknown application", "/applications/" + env.IDs.NewID() + "/observability?range=90d", apitest.Member, 422, "validation_failed"},
		{"POST", path, apitest.Admin, 405, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "GET"
			if tc.name == "POST" {
				method = "POST"
			}
			r := env.Do(req{Method: method, Path: tc.path, Token: tc.token})
			if r.Status != tc.status || (tc.code != "" && r.JSON()["code"] != tc.code) {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if tc.status == 422 {
				if errs := fmt.Sprint(r.JSON()["errors"]); !strings.Contains(errs, "field:range") || !strings.Contains(errs, "1h, 6h, 24h, 7d, 30d") {
					t.Fatalf("422 errors %s", errs)
				}
			}
		})
	}
	if len(src.apps) != 4 {
		t.Fatalf("the source was asked %d times, want only for the 4 successful requests", len(src.apps))
	}
}

func TestHistorySourceFailure(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{platform.Unavailable(errors.New("Throttling: Rate exceeded")), 503},
		{errors.New("AccessDenied"), 500},
	} {
		env, id := newFixture(t, &fakeSource{err: tc.err})
		r := env.Do(req{Method: "GET", Path: "/applications/" + id + "/observability", Token: apitest.Member})
		if r.Status != tc.status || strings.Contains(string(r.Body), "AccessDenied") || strings.Contains(string(r.Body), "Throttling") {
			t.Fatalf("%v: %d %s", tc.err, r.Status, r.Body)
		}
		if tc.status == 503 && r.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
	}
}
