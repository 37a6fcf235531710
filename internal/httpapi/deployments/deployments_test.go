package deployments_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

type req = apitest.Request

type fixture struct {
	*apitest.Env
	cluster *pipelinetest.Cluster
	builder *pipelinetest.Builder
	runner  *localrun.Runner
}

func newFixture(t *testing.T, builder *pipelinetest.Builder) *fixture {
	t.Helper()
	f := &fixture{builder: builder, cluster: &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}}
	clock := stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	f.Env = apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		ids := &platform.IDGenerator{Now: clock.Now}
		steps := &pipeline.Steps{Store: env.Store, Builder: builder, Cluster: f.cluster,
			Now: clock.Now, IDs: ids, PollSeconds: 5}
		f.runner = pipelinetest.NewRunner(t, steps, clock)
		return append(applications.Routes(applications.Deps{Store: env.Store, Now: clock.Now, Cluster: f.cluster}),
			deployments.Routes(deployments.Deps{Store: env.Store, Now: clock.Now,
				Launcher: &pipeline.Launcher{Store: env.Store, Starter: f.runner, Stopper: f.runner, Builder: builder, Cluster: f.cluster, IDs: ids, Now: clock.Now, Metrics: io.Discard}})...)
	})
	return f
}

// app creates an application in acme/shop, with a repository and branch
// unless bare, and returns its id.
func (f *fixture) app(t *testing.T, slug string, bare bool) string {
	t.Helper()
	r := f.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin,
		Body: map[string]any{"name": slug, "slug": slug, "project_id": f.Projects["acme/shop"].ID}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if !bare {
		r = f.Do(req{Method: "PATCH", Path: "/applications/" + id + "/settings", Token: apitest.Admin,
			Body: map[string]any{"github_repository": "acme/" + slug, "auto_deploy_branch": "main"}})
		if r.Status != 200 {
			t.Fatalf("settings: %d %s", r.Status, r.Body)
		}
	}
	return id
}

func expect(t *testing.T, r *apitest.Response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r.JSON()
}

func TestFullDeploy(t *testing.T) {
	gate := make(chan struct{})
	f := newFixture(t, &pipelinetest.Builder{Gate: gate, Statuses: []pipeline.BuildStatus{pipelinetest.Built}})
	id := f.app(t, "web", false)
	path := "/applications/" + id

	status := expect(t, f.Do(req{Method: "GET", Path: path + "/pipeline-status", Token: apitest.Member}), 200)
	if status["build"] != nil || status["release"] != nil || status["deploy"] != nil || status["pipeline_active"] != false {
		t.Fatalf("status before any deploy: %v", status)
	}
	started := expect(t, f.Do(req{Method: "POST", Path: path + "/deploy", Token: apitest.Admin}), 202)
	imageID, _ := started["image_id"].(string)
	if started["ok"] != true || !platform.IsUUID(imageID) {
		t.Fatalf("202 body %v", started)
	}
	busy := expect(t, f.Do(req{Method: "POST", Path: path + "/deploy", Token: apitest.Admin}), 409)
	if busy["image_id"] != imageID || busy["code"] != "conflict" {
		t.Fatalf("409 body %v", busy)
	}
	during := expect(t, f.Do(req{Method: "GET", Path: path + "/pipeline-status", Token: apitest.Member}), 200)
	build := during["build"].(map[string]any)
	if during["pipeline_active"] != true || build["id"] != imageID || build["status"] != "in_progress" || during["release"] != nil {
		t.Fatalf("status during the build: %v", during)
	}
	if p := build["progress"].(map[string]any); p["current"] != "queued" || fmt.Sprint(p["steps"]) != "[queued building complete]" {
		t.Fatalf("progress %v", p)
	}
	close(gate)
	f.runner.Wait()

	after := expect(t, f.Do(req{Method: "GET", Path: path + "/pipeline-status", Token: apitest.Member}), 200)
	for _, stage := range []string{"build", "release", "deploy"} {
		s := after[stage].(map[string]any)
		if s["status"] != "complete" || s["progress"].(map[string]any)["current"] != "complete" {
			t.Fatalf("%s after the pipeline: %v", stage, s)
		}
	}
	if after["pipeline_active"] != false {
		t.Fatal("pipeline still active")
	}
	list := expect(t, f.Do(req{Method: "GET", Path: path + "/deployments", Token: apitest.Member}), 200)
	items := list["items"].([]any)
	dep := items[0].(map[string]any)
	if len(items) != 1 || dep["status"] != "complete" || dep["complete"] != true || dep["trigger"] != "manual" ||
		dep["triggered_by"] != apitest.Admin || dep["release_version"] != float64(1) || dep["duration_secs"] == nil {
		t.Fatalf("deployments %s", list)
	}
	got := expect(t, f.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Member}), 200)
	if got["latest_image"].(map[string]any)["id"] != imageID || got["latest_deployment"].(map[string]any)["status"] != "complete" {
		t.Fatalf("latest_* not kept: %v", got)
	}
	apps := f.Do(req{Method: "GET", Path: "/applications/acme/shop", Token: apitest.Member}).Array()
	if apps[0]["latest_image_version"] != float64(1) || apps[0]["latest_release_version"] != float64(1) || apps[0]["latest_deployment_complete"] != true {
		t.Fatalf("summary %v", apps[0])
	}
}

func TestDeployRefusals(t *testing.T) {
	f := newFixture(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}})
	bare := f.app(t, "bare", true)
	id := f.app(t, "web", false)
	r := f.Do(req{Method: "POST", Path: "/applications/" + bare + "/deploy", Token: apitest.Admin})
	body := expect(t, r, 422)
	if errs := fmt.Sprint(body["errors"]); !strings.Contains(errs, "github_repository") || !strings.Contains(errs, "auto_deploy_branch") {
		t.Fatalf("422 names %v", body["errors"])
	}
	for _, tc := range []struct {
		name, path, token string
		body              any
		status            int
	}{
		{"member", "/applications/" + id + "/deploy", apitest.Member, nil, 403},
		{"other org", "/applications/" + id + "/deploy", apitest.OtherAdmin, nil, 404},
		{"unknown app", "/applications/" + f.IDs.NewID() + "/deploy", apitest.Admin, nil, 404},
		{"not a uuid", "/applications/nope/deploy", apitest.Admin, nil, 404},
		{"no token", "/applications/" + id + "/deploy", "", nil, 401},
		{"unknown field", "/applications/" + id + "/deploy", apitest.Admin, map[string]any{"branch": "x"}, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, f.Do(req{Method: "POST", Path: tc.path, Token: tc.token, Body: tc.body}), tc.status)
		})
	}
	f.runner.Wait()
	for _, path := range []string{"/deployments", "/pipeline-status", "/pipeline-metrics"} {
		expect(t, f.Do(req{Method: "GET", Path: "/applications/" + id + path, Token: apitest.OtherMember}), 404)
		expect(t, f.Do(req{Method: "GET", Path: "/applications/" + f.IDs.NewID() + path, Token: apitest.Platform}), 404)
		expect(t, f.Do(req{Method: "GET", Path: "/applications/" + id + path}), 401)
	}
}

func TestDeployIdempotencyKey(t *testing.T) {
	f := newFixture(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}})
	id := f.app(t, "web", false)
	key := map[string]string{"Idempotency-Key": "deploy-1"}
	first := expect(t, f.Do(req{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin, Header: key}), 202)
	f.runner.Wait()
	again := expect(t, f.Do(req{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin, Header: key}), 202)
	if again["image_id"] != first["image_id"] {
		t.Fatalf("replay started another pipeline: %v vs %v", again, first)
	}
	f.runner.Wait()
	list := expect(t, f.Do(req{Method: "GET", Path: "/applications/" + id + "/deployments", Token: apitest.Admin}), 200)
	if n := len(list["items"].([]any)); n != 1 {
		t.Fatalf("%d deployments", n)
	}
}

func TestDeploymentsPaginationAndMetrics(t *testing.T) {
	builder := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}
	f := newFixture(t, builder)
	id := f.app(t, "web", false)
	other := f.app(t, "api", false)
	for i := range 3 {
		if i == 1 {
			builder.Statuses = []pipeline.BuildStatus{{Phase: pipeline.BuildFailed, Reason: "tests failed"}}
		} else {
			builder.Statuses = []pipeline.BuildStatus{pipelinetest.Built}
		}
		expect(t, f.Do(req{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin}), 202)
		f.runner.Wait()
	}
	expect(t, f.Do(req{Method: "POST", Path: "/applications/" + other + "/deploy", Token: apitest.Admin}), 202)
	f.runner.Wait()

	page := f.Do(req{Method: "GET", Path: "/applications/" + id + "/deployments?limit=1", Token: apitest.Member})
	first := expect(t, page, 200)
	pg := first["pagination"].(map[string]any)
	if pg["has_more"] != true || page.Header.Get("Link") == "" {
		t.Fatalf("first page %v", first)
	}
	newest := first["items"].([]any)[0].(map[string]any)
	if newest["release_version"] != float64(2) {
		t.Fatalf("newest first: %v", newest)
	}
	cursor := pg["next_cursor"].(string)
	second := expect(t, f.Do(req{Method: "GET", Path: "/applications/" + id + "/deployments?limit=1&cursor=" + cursor, Token: apitest.Member}), 200)
	if second["items"].([]any)[0].(map[string]any)["release_version"] != float64(1) || second["pagination"].(map[string]any)["has_more"] != false {
		t.Fatalf("second page %v", second)
	}
	expect(t, f.Do(req{Method: "GET", Path: "/applications/" + other + "/deployments?cursor=" + cursor, Token: apitest.Member}), 400)

	m := expect(t, f.Do(req{Method: "GET", Path: "/applications/" + id + "/pipeline-metrics", Token: apitest.Member}), 200)
	build := m["build"].(map[string]any)
	if m["range"] != float64(50) || build["total"] != float64(3) || build["success"] != float64(2) || build["error"] != float64(1) ||
		build["success_rate"] != 66.7 || len(build["history"].([]any)) != 3 {
		t.Fatalf("build metrics %v", build)
	}
	if h := build["history"].([]any); h[0].(map[string]any)["version"] != float64(1) || h[1].(map[string]any)["ok"] != false {
		t.Fatalf("history oldest first: %v", h)
	}
	deploy := m["deploy"].(map[string]any)
	if deploy["total"] != float64(2) || deploy["success_rate"] != 100.0 || deploy["p95_secs"] == nil {
		t.Fatalf("deploy metrics %v", deploy)
	}
	narrow := expect(t, f.Do(req{Method: "GET", Path: "/applications/" + id + "/pipeline-metrics?range=1", Token: apitest.Member}), 200)
	if narrow["build"].(map[string]any)["total"] != float64(1) {
		t.Fatalf("range=1: %v", narrow["build"])
	}
	for _, q := range []string{"0", "201", "abc"} {
		r := f.Do(req{Method: "GET", Path: "/applications/" + id + "/pipeline-metrics?range=" + q, Token: apitest.Member})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("range=%s: %d", q, r.Status)
		}
	}
}

func TestScaleAppliesToALiveDeployment(t *testing.T) {
	f := newFixture(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}})
	id := f.app(t, "web", false)
	scale := func(body any) *apitest.Response {
		return f.Do(req{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin, Body: body})
	}
	expect(t, scale(map[string]any{"process_counts": map[string]int{"anything": 1}}), 200) // no release yet: stored only
	if len(f.cluster.Scaled) != 0 {
		t.Fatal("scaled a cluster with nothing deployed")
	}
	expect(t, f.Do(req{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin}), 202)
	f.runner.Wait()
	expect(t, scale(map[string]any{"process_counts": map[string]int{"worker": 3}, "process_pod_classes": map[string]string{"worker": "r1.large"}}), 200)
	if len(f.cluster.Scaled) != 1 {
		t.Fatalf("cluster scaled %d times", len(f.cluster.Scaled))
	}
	w := f.cluster.Scaled[0]
	if w.ProcessCounts["worker"] != 3 || w.PodClasses["worker"].MemoryLimit != "3072Mi" || w.PodClasses["web"].Name != platform.DefaultPodClass {
		t.Fatalf("workload %+v", w)
	}
	body := expect(t, scale(map[string]any{"process_counts": map[string]int{"cron": 1}}), 422)
	if !strings.Contains(fmt.Sprint(body["errors"]), "process_counts.cron") {
		t.Fatalf("unknown process not named: %v", body)
	}
	f.cluster.ScaleErr = fmt.Errorf("cluster unreachable")
	r := f.Do(req{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin, Body: map[string]any{"process_counts": map[string]int{"web": 4}}})
	expect(t, r, 503)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	got := expect(t, f.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Admin}), 200)
	if got["process_counts"].(map[string]any)["web"] != float64(4) {
		t.Fatalf("the stored scale was lost: %v", got["process_counts"])
	}
}
