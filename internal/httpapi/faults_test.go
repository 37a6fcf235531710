package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/httpapi/webhooks"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

const faultWebhookSecret = "fault-secret"

// faultFixture serves every route group on one table. The API's store goes
// through a FaultDB; the pipeline's steps use their own store on the same
// table (through a second FaultDB), so a fault aimed at a request never
// hits a pipeline and the other way round.
type faultFixture struct {
	*apitest.Env
	db       *storetest.FaultDB
	stepsDB  *storetest.FaultDB
	clock    *stepfn.VirtualClock
	runner   *localrun.Runner
	starter  *faultStarter
	builder  *pipelinetest.Builder
	appID    string
	stepsEnv *storetest.Env
}

// faultStarter starts pipelines through next, or fails while fail is set.
type faultStarter struct {
	mu   sync.Mutex
	next pipeline.Starter
	fail bool
}

func (s *faultStarter) setFail(fail bool) { s.mu.Lock(); s.fail = fail; s.mu.Unlock() }

func (s *faultStarter) Start(ctx context.Context, run pipeline.Run) error {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail {
		return errors.New("StartExecution: ServiceUnavailable")
	}
	return s.next.Start(ctx, run)
}

// faultSource is an observability source with no data.
type faultSource struct{}

func (faultSource) History(context.Context, platform.Application, platform.UsageWindow) ([]platform.UsagePoint, error) {
	return nil, nil
}

func newFaultFixture(t *testing.T) *faultFixture {
	t.Helper()
	f := &faultFixture{
		clock:   stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)),
		builder: &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}},
	}
	cluster := &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}
	f.Env = apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		ids := &platform.IDGenerator{Now: f.clock.Now}
		// The steps' own store: same table, separate client wrapper.
		f.stepsEnv = &storetest.Env{Client: env.Client, Table: env.Table, Embedded: env.Embedded,
			Requests: &storetest.Counting{DynamoDB: env.Client}}
		f.stepsDB = storetest.InstallFaultDB(f.stepsEnv)
		f.stepsEnv.Store = store.New(f.stepsEnv.Requests, env.Table, []byte("test-cursor-key"))
		steps := &pipeline.Steps{Store: f.stepsEnv.Store, Builder: f.builder, Cluster: cluster, Now: f.clock.Now, IDs: ids, PollSeconds: 5, Metrics: io.Discard}
		f.runner = pipelinetest.NewRunner(t, steps, f.clock)
		f.starter = &faultStarter{next: f.runner}
		launcher := &pipeline.Launcher{Store: env.Store, Starter: f.starter, IDs: ids, Now: f.clock.Now, Metrics: io.Discard}
		var routes []httpapi.Route
		routes = append(routes, applications.Routes(applications.Deps{Store: env.Store, IDs: ids, Now: f.clock.Now, Cluster: cluster})...)
		routes = append(routes, deployments.Routes(deployments.Deps{Store: env.Store, Launcher: launcher, Now: f.clock.Now})...)
		routes = append(routes, observability.Routes(observability.Deps{Store: env.Store, Source: faultSource{}, Now: f.clock.Now})...)
		routes = append(routes, webhooks.Routes(webhooks.Deps{Store: env.Store, Launcher: launcher, Now: f.clock.Now,
			Secret: func(context.Context) ([]byte, error) { return []byte(faultWebhookSecret), nil }})...)
		return routes
	})
	f.db = storetest.InstallFaultDB(f.Env.Env)
	r := f.Do(apitest.Request{Method: "POST", Path: "/applications", Token: apitest.Admin,
		Body: map[string]any{"name": "Web", "slug": "web", "project_id": f.Projects["acme/shop"].ID}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	f.appID = r.JSON()["id"].(string)
	f.linkInstallation(4242)
	if r := f.Do(apitest.Request{Method: "PATCH", Path: "/applications/" + f.appID + "/settings", Token: apitest.Admin,
		Body: map[string]any{"github_repository": "acme/web", "auto_deploy_branch": "main", "github_app_installation_id": 4242}}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	if r := f.Do(apitest.Request{Method: "POST", Path: "/applications/" + f.appID + "/deploy", Token: apitest.Admin}); r.Status != 202 {
		t.Fatalf("deploy: %d %s", r.Status, r.Body)
	}
	f.runner.Wait() // a live release: scale reaches the cluster, reads have records
	return f
}

// linkInstallation links a GitHub App installation to acme.
func (f *faultFixture) linkInstallation(id int64) {
	if _, err := f.Store.LinkInstallation(context.Background(), platform.Installation{ID: id, OrganizationSlug: "acme", Created: time.Now().UTC()}); err != nil {
		panic(err)
	}
}

// faultDeadline bounds every request of these tests: a handler that has
// not answered by then (plus a grace for the race detector) hangs.
const faultDeadline = 10 * time.Second

// faultDo sends req with a context deadline and fails the test if the
// handler does not return in time (a hang).
func faultDo(t *testing.T, h http.Handler, tokens map[string]string, req apitest.Request, deadline time.Duration) *apitest.Response {
	t.Helper()
	var body io.Reader = http.NoBody
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, req.Method, req.Path, body)
	if req.Body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		secret := req.Token
		if s, ok := tokens[req.Token]; ok {
			secret = s
		}
		r.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { defer close(done); h.ServeHTTP(w, r) }()
	select {
	case <-done:
	case <-time.After(deadline + 20*time.Second):
		t.Fatalf("%s %s: no answer %s after the request's deadline (hang)", req.Method, req.Path, 20*time.Second)
	}
	return &apitest.Response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// faultExpectUnavailable checks a 503 problem document with Retry-After.
func faultExpectUnavailable(t *testing.T, what string, r *apitest.Response) {
	t.Helper()
	if r.Status != 503 {
		t.Fatalf("%s: status %d, want 503: %s", what, r.Status, r.Body)
	}
	if ra := r.Header.Get("Retry-After"); ra == "" || strings.Trim(ra, "0123456789") != "" {
		t.Fatalf("%s: Retry-After %q", what, ra)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q", what, ct)
	}
	p := r.JSON()
	if p["status"] != float64(503) || p["code"] != "unavailable" || p["type"] != "https://slipway.dev/problems/unavailable" ||
		p["title"] != "Service Unavailable" || p["detail"] == "" || p["detail"] == nil ||
		p["request_id"] == nil || p["request_id"] != r.Header.Get("X-Request-Id") {
		t.Fatalf("%s: problem body %s", what, r.Body)
	}
	if strings.Contains(string(r.Body), "emulated") || strings.Contains(string(r.Body), "injected") {
		t.Fatalf("%s: the cause leaked into the body: %s", what, r.Body)
	}
}

// faultCase is one route of the API with a request that differs on every
// attempt (so that a write is a real change each time).
type faultCase struct {
	class, name string
	req         func(f *faultFixture, i int) apitest.Request
	ok          int
	// keyed requests carry an Idempotency-Key.
	keyed bool
	// webhook deliveries keep their claim when they fail (the redelivery
	// finishes them); checked by faultCheckDelivery.
	webhook bool
}

// faultPush is a push delivered through the installation the fixture's
// application has now (the installation case changes it).
func faultPush(f *faultFixture, i int) apitest.Request {
	app, err := f.Store.GetApplication(context.Background(), f.appID)
	if err != nil || app.GithubAppInstallationID == nil {
		panic(fmt.Sprintf("the fixture's application has no installation: %v", err))
	}
	body, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": strings.Repeat("0", 40), "after": strings.Repeat("b", 40), "deleted": false,
		"repository": map[string]any{"full_name": "acme/web"}, "pusher": map[string]any{"name": "octocat"},
		"head_commit": map[string]any{"id": strings.Repeat("b", 40)}, "commits": []any{},
		"installation": map[string]any{"id": *app.GithubAppInstallationID},
	})
	return apitest.Request{Method: "POST", Path: "/webhooks/github", Body: body, Header: map[string]string{
		"X-GitHub-Event": "push", "X-GitHub-Delivery": fmt.Sprintf("delivery-%d", i),
		"X-Hub-Signature-256": github.Signature([]byte(faultWebhookSecret), body),
	}}
}

func faultCases() []faultCase {
	get := func(path func(f *faultFixture) string, token string) func(*faultFixture, int) apitest.Request {
		return func(f *faultFixture, _ int) apitest.Request {
			return apitest.Request{Method: "GET", Path: path(f), Token: token}
		}
	}
	app := func(suffix string) func(f *faultFixture) string {
		return func(f *faultFixture) string { return "/applications/" + f.appID + suffix }
	}
	fixed := func(p string) func(*faultFixture) string { return func(*faultFixture) string { return p } }
	key := func(r apitest.Request, i int) apitest.Request {
		r.Header = map[string]string{"Idempotency-Key": fmt.Sprintf("key-%d", i)}
		return r
	}
	createApp := func(f *faultFixture, i int) apitest.Request {
		return apitest.Request{Method: "POST", Path: "/applications", Token: apitest.Admin,
			Body: map[string]any{"name": "App", "slug": fmt.Sprintf("app-%d", i), "project_id": f.Projects["acme/shop"].ID}}
	}
	scale := func(f *faultFixture, i int) apitest.Request {
		return apitest.Request{Method: "POST", Path: "/applications/" + f.appID + "/scale", Token: apitest.Admin,
			Body: map[string]any{"process_counts": map[string]int{"web": (i%100+100)%100 + 1}}}
	}
	deploy := func(f *faultFixture, _ int) apitest.Request {
		return apitest.Request{Method: "POST", Path: "/applications/" + f.appID + "/deploy", Token: apitest.Admin}
	}
	return []faultCase{
		{class: "read", name: "list organizations", req: get(fixed("/organizations"), apitest.Platform), ok: 200},
		{class: "read", name: "list projects", req: get(fixed("/organizations/acme/projects"), apitest.Member), ok: 200},
		{class: "read", name: "list applications", req: get(fixed("/applications/acme/shop"), apitest.Member), ok: 200},
		{class: "read", name: "get application", req: get(fixed("/applications/acme/shop/web"), apitest.Member), ok: 200},
		{class: "read", name: "list deployments", req: get(app("/deployments"), apitest.Member), ok: 200},
		{class: "read", name: "pipeline status", req: get(app("/pipeline-status"), apitest.Member), ok: 200},
		{class: "read", name: "pipeline metrics", req: get(app("/pipeline-metrics"), apitest.Member), ok: 200},
		{class: "observability", name: "observability", req: get(app("/observability?range=6h"), apitest.Member), ok: 200},
		{class: "create", name: "create organization", ok: 201, req: func(_ *faultFixture, i int) apitest.Request {
			return apitest.Request{Method: "POST", Path: "/organizations", Token: apitest.Platform,
				Body: map[string]any{"name": "Org", "slug": fmt.Sprintf("org-%d", i)}}
		}},
		{class: "create", name: "create project", ok: 201, req: func(_ *faultFixture, i int) apitest.Request {
			return apitest.Request{Method: "POST", Path: "/organizations/acme/projects", Token: apitest.Admin,
				Body: map[string]any{"name": "Project", "slug": fmt.Sprintf("project-%d", i)}}
		}},
		{class: "create", name: "create token", ok: 201, req: func(_ *faultFixture, i int) apitest.Request {
			return apitest.Request{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin,
				Body: map[string]any{"name": fmt.Sprintf("token-%d", i), "role": "member"}}
		}},
		{class: "create", name: "create application", ok: 201, req: createApp},
		{class: "create", name: "create application (Idempotency-Key)", ok: 201, keyed: true,
			req: func(f *faultFixture, i int) apitest.Request { return key(createApp(f, i), i) }},
		{class: "update", name: "update settings", ok: 200, req: func(f *faultFixture, i int) apitest.Request {
			return apitest.Request{Method: "PATCH", Path: "/applications/" + f.appID + "/settings", Token: apitest.Admin,
				Body: map[string]any{"github_environment_name": fmt.Sprintf("env-%d", i)}}
		}},
		{class: "update", name: "update settings (installation pointer transaction)", ok: 200, req: func(f *faultFixture, i int) apitest.Request {
			f.linkInstallation(int64(100000 + i))
			return apitest.Request{Method: "PATCH", Path: "/applications/" + f.appID + "/settings", Token: apitest.Admin,
				Body: map[string]any{"github_app_installation_id": 100000 + i}}
		}},
		{class: "update", name: "scale", ok: 200, req: scale},
		{class: "update", name: "scale (Idempotency-Key)", ok: 200, keyed: true,
			req: func(f *faultFixture, i int) apitest.Request { return key(scale(f, i), i) }},
		{class: "update", name: "revoke token", ok: 204, req: func(f *faultFixture, i int) apitest.Request {
			id := f.IDs.NewID()
			secret := httpapi.NewTokenSecret()
			if err := f.Store.CreateToken(context.Background(), platform.Token{ID: id, Name: fmt.Sprintf("doomed-%d", i), Role: platform.RoleMember,
				OrganizationSlug: "acme", OrganizationID: f.Projects["acme/shop"].OrganizationID, Hash: httpapi.HashToken(secret), Created: time.Now().UTC()}); err != nil {
				panic(err)
			}
			return apitest.Request{Method: "DELETE", Path: "/organizations/acme/tokens/" + id, Token: apitest.Admin}
		}},
		{class: "deploy", name: "full deploy", ok: 202, req: deploy},
		{class: "deploy", name: "full deploy (Idempotency-Key)", ok: 202, keyed: true,
			req: func(f *faultFixture, i int) apitest.Request { return key(deploy(f, i), i) }},
		{class: "webhook", name: "push delivery", ok: 200, webhook: true, req: faultPush},
	}
}

// faultAttempt runs one request of c under inject (which sets up the
// fault; the fault is cleared afterwards) and checks the outcome: want's
// status, or a 503 problem with nothing changed. It returns the response.
func (f *faultFixture) attempt(t *testing.T, c faultCase, i int, what string, want int, inject, clear func(), deadline time.Duration) *apitest.Response {
	t.Helper()
	req := c.req(f, i)
	before := f.Snapshot(t)
	imagesBefore := f.imageSeq(t)
	inject()
	r := faultDo(t, f.Handler, f.Tokens, req, deadline)
	clear()
	f.runner.Wait()
	if r.Status == 500 {
		t.Fatalf("%s: 500: %s", what, r.Body)
	}
	if want != 503 {
		if r.Status != want {
			t.Fatalf("%s: status %d, want %d: %s", what, r.Status, want, r.Body)
		}
		return r
	}
	faultExpectUnavailable(t, what, r)
	after := f.Snapshot(t)
	diff := storetest.SnapshotDiff(before, after)
	switch {
	case c.webhook:
		f.checkDelivery(t, what, req, diff, imagesBefore)
	case diff != "":
		t.Fatalf("%s: a refused write left changes:\n%s", what, diff)
	}
	if c.keyed {
		// 503 means "retry": the same key must run the request now.
		retry := faultDo(t, f.Handler, f.Tokens, req, faultDeadline)
		f.runner.Wait()
		if retry.Status != c.ok {
			t.Fatalf("%s: retry with the same Idempotency-Key: %d, want %d: %s", what, retry.Status, c.ok, retry.Body)
		}
	}
	return r
}

// checkDelivery: a failed delivery may leave its claim (done=false) and,
// when it failed after starting the pipeline, that pipeline; GitHub's
// redelivery after the lease must finish it with exactly one pipeline.
func (f *faultFixture) checkDelivery(t *testing.T, what string, req apitest.Request, diff string, imagesBefore int64) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(diff), "\n") {
		if line == "" {
			continue
		}
		ok := strings.HasPrefix(line, "+ ") && strings.Contains(line, `"PK":{"S":"DELIVERY#`) && strings.Contains(line, `"done":{"BOOL":false}`) ||
			strings.Contains(line, `"PK":{"S":"APP#`+f.appID+`"}`) ||
			// the application's copy on its slug guard, written with it
			strings.Contains(line, `"PK":{"S":"SLUG#APP#`) && strings.Contains(line, `"app_id":{"S":"`+f.appID+`"}`)
		if !ok {
			t.Fatalf("%s: the failed delivery left an unexpected change:\n%s", what, line)
		}
	}
	f.clock.Advance(platform.DeliveryLease + time.Second) // no pipeline runs: attempt waited
	again := faultDo(t, f.Handler, f.Tokens, req, faultDeadline)
	f.runner.Wait()
	if again.Status != 200 || again.JSON()["duplicate"] == true {
		t.Fatalf("%s: redelivery: %d %s", what, again.Status, again.Body)
	}
	if n := f.imageSeq(t) - imagesBefore; n != 1 {
		t.Fatalf("%s: the delivery and its redelivery started %d pipelines, want 1", what, n)
	}
	if dup := faultDo(t, f.Handler, f.Tokens, req, faultDeadline); dup.JSON()["duplicate"] != true {
		t.Fatalf("%s: a completed delivery ran again: %s", what, dup.Body)
	}
}

func (f *faultFixture) imageSeq(t *testing.T) int64 {
	t.Helper()
	app, err := f.Store.GetApplication(context.Background(), f.appID)
	if err != nil {
		t.Fatal(err)
	}
	return app.ImageSeq
}

// baseline runs c healthy twice and returns the requests the second run
// made (the first may differ: a first installation pointer has none to
// delete).
func (f *faultFixture) baseline(t *testing.T, c faultCase, i int) []storetest.FaultCall {
	t.Helper()
	f.attempt(t, c, -i, c.name+" (healthy)", c.ok, func() { f.db.FailWhen(nil) }, func() {}, faultDeadline)
	f.attempt(t, c, i, c.name+" (healthy)", c.ok, func() { f.db.FailWhen(nil) }, func() {}, faultDeadline)
	return f.db.Calls()
}

func faultUsesIndex(calls []storetest.FaultCall, index string) bool {
	for _, c := range calls {
		if strings.HasPrefix(c.Sig, "Query "+index) {
			return true
		}
	}
	return false
}

// TestFaultsEmulatedOutage fails the embedded server itself: globally, for
// the table, and for each index. Every route answers 503 with Retry-After
// and the problem shape when it needs what failed (and works when it does
// not), and a refused write changes nothing.
func TestFaultsEmulatedOutage(t *testing.T) {
	f := newFaultFixture(t)
	emu := f.Embedded.Emulator
	if emu == nil {
		t.Skip("failure emulation needs the embedded server")
	}
	i := 0
	for _, c := range faultCases() {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			i++
			calls := f.baseline(t, c, i)
			for _, m := range []struct {
				name   string
				set    func(miniserver.FailureCondition)
				affect bool
			}{
				{"global InternalServerError", func(cond miniserver.FailureCondition) { emu.EmulateFailure(cond) }, true},
				{"global forced failure", func(cond miniserver.FailureCondition) {
					if cond != miniserver.FailureConditionNone {
						cond = miniserver.FailureConditionDeprecated
					}
					emu.EmulateFailure(cond)
				}, true},
				{"table", func(cond miniserver.FailureCondition) { emu.EmulateFailureForTable(f.Table, cond) }, true},
				{"GSI1", func(cond miniserver.FailureCondition) { emu.EmulateFailureForTable(f.Table, cond, "GSI1") }, faultUsesIndex(calls, "GSI1")},
				{"GSI2", func(cond miniserver.FailureCondition) { emu.EmulateFailureForTable(f.Table, cond, "GSI2") }, faultUsesIndex(calls, "GSI2")},
			} {
				i++
				want := c.ok
				if m.affect {
					want = 503
				}
				f.attempt(t, c, i, c.name+" under "+m.name, want,
					func() { m.set(miniserver.FailureConditionInternalServerError) },
					func() { m.set(miniserver.FailureConditionNone) }, faultDeadline)
			}
		})
	}
}

// faultErrors are the DynamoDB failures injected one request at a time.
var faultErrors = []struct {
	name string
	err  error
}{
	{"InternalServerError", &types.InternalServerError{Message: aws.String("injected")}},
	{"throttled", &types.ProvisionedThroughputExceededException{Message: aws.String("injected")}},
	{"connection reset", errors.New("injected: read tcp 127.0.0.1:8000: connection reset by peer")},
}

// TestFaultsEachRequestInTurn fails every DynamoDB request a route makes,
// one at a time (the Nth request of its kind), with each kind of error:
// a failure in the middle of a multi-step operation (the second write of
// an Idempotency-Key request, a delivery's outcome after its deploy) must
// still be a 503 and leave a consistent state.
func TestFaultsEachRequestInTurn(t *testing.T) {
	f := newFaultFixture(t)
	i := 1000
	for _, c := range faultCases() {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			i++
			calls := f.baseline(t, c, i)
			if len(calls) == 0 {
				t.Fatal("the route made no DynamoDB request")
			}
			var sigs []string
			for _, call := range calls {
				sigs = append(sigs, fmt.Sprintf("%s#%d", call.Sig, call.N))
			}
			t.Logf("requests: %s", strings.Join(sigs, ", "))
			for j, call := range calls {
				for k, e := range faultErrors {
					if testing.Short() && k != j%len(faultErrors) {
						continue // -short: one kind of error per request, in turn
					}
					i++
					what := fmt.Sprintf("%s, %s #%d fails (%s)", c.name, call.Sig, call.N, e.name)
					inject := func() { f.db.FailNth(call.Sig, call.N, e.err) }
					if c.keyed && call.Sig == "UpdateItem IDEMP" {
						f.settleFails(t, c, i, what, inject)
						continue
					}
					f.attempt(t, c, i, what, 503, inject, func() { f.db.FailWhen(nil) }, faultDeadline)
				}
			}
		})
	}
}

// TestFaultsHungDependency holds each request of a route until the
// request's deadline: the route answers 503 by then (never hangs) and a
// refused write changes nothing; a keyed request can be retried at once.
func TestFaultsHungDependency(t *testing.T) {
	f := newFaultFixture(t)
	i := 5000
	for _, c := range faultCases() {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			i++
			calls := f.baseline(t, c, i)
			for _, call := range calls {
				if call.Sig == "UpdateItem IDEMP" {
					continue // bounded by its own timeout: TestFaultIdempotencySettleIsBounded
				}
				i++
				what := fmt.Sprintf("%s, %s #%d never answers", c.name, call.Sig, call.N)
				start := time.Now()
				f.attempt(t, c, i, what, 503, func() {
					f.db.FailWhen(func(fc storetest.FaultCall) error {
						if fc.Sig == call.Sig && fc.N == call.N {
							return storetest.ErrFaultHang
						}
						return nil
					})
				}, func() { f.db.FailWhen(nil) }, 150*time.Millisecond)
				if d := time.Since(start); d > 15*time.Second {
					t.Fatalf("%s: took %s", what, d)
				}
			}
		})
	}
}

// settleFails: storing the response of a keyed request fails after the
// request took effect. The caller is told what happened (not a 503 that
// invites a retry), and a retry with the same key does not do it again.
func (f *faultFixture) settleFails(t *testing.T, c faultCase, i int, what string, inject func()) {
	t.Helper()
	req := c.req(f, i)
	inject()
	r := faultDo(t, f.Handler, f.Tokens, req, faultDeadline)
	f.db.FailWhen(nil)
	f.runner.Wait()
	if r.Status != c.ok {
		t.Fatalf("%s: status %d, want %d (the request took effect): %s", what, r.Status, c.ok, r.Body)
	}
	after := f.Snapshot(t)
	retry := faultDo(t, f.Handler, f.Tokens, req, faultDeadline)
	f.runner.Wait()
	if retry.Status != 409 || retry.JSON()["code"] != "conflict" {
		t.Fatalf("%s: retry with the same key: %d %s", what, retry.Status, retry.Body)
	}
	if d := storetest.SnapshotDiff(after, f.Snapshot(t)); d != "" {
		t.Fatalf("%s: the retry did the request a second time:\n%s", what, d)
	}
}

// TestFaultIdempotencySettleIsBounded: storing a keyed request's response
// never answers. The request still answers (bounded by the settle
// timeout, not the client's deadline) with what it did.
func TestFaultIdempotencySettleIsBounded(t *testing.T) {
	f := newFaultFixture(t)
	var c faultCase
	for _, fc := range faultCases() {
		if fc.name == "scale (Idempotency-Key)" {
			c = fc
		}
	}
	start := time.Now()
	req := c.req(f, 1)
	f.db.FailWhen(func(fc storetest.FaultCall) error {
		if fc.Sig == "UpdateItem IDEMP" {
			return storetest.ErrFaultHang
		}
		return nil
	})
	r := faultDo(t, f.Handler, f.Tokens, req, faultDeadline)
	f.db.FailWhen(nil)
	if r.Status != 200 || time.Since(start) > faultDeadline {
		t.Fatalf("status %d after %s: %s", r.Status, time.Since(start), r.Body)
	}
	if retry := faultDo(t, f.Handler, f.Tokens, req, faultDeadline); retry.Status != 409 {
		t.Fatalf("retry: %d %s", retry.Status, retry.Body)
	}
}

func (f *faultFixture) app(t *testing.T) platform.Application {
	t.Helper()
	app, err := f.Store.GetApplication(context.Background(), f.appID)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func (f *faultFixture) deploy(t *testing.T) *apitest.Response {
	t.Helper()
	return faultDo(t, f.Handler, f.Tokens, apitest.Request{Method: "POST", Path: "/applications/" + f.appID + "/deploy", Token: apitest.Admin}, faultDeadline)
}

// TestFaultDeployStartFails: the pipeline cannot start. The deploy is a
// 503, its image is marked failed and the application is free: the next
// deploy is accepted at once. When marking it failed fails too, the image
// stays in progress without a build, and the guard stops counting after
// PipelineStartGrace: the deploy after that is accepted and marks the
// abandoned image failed.
func TestFaultDeployStartFails(t *testing.T) {
	f := newFaultFixture(t)
	f.starter.setFail(true)
	faultExpectUnavailable(t, "deploy with a failing starter", f.deploy(t))
	app := f.app(t)
	if app.ActivePipeline != "" || app.LatestImage.Status != platform.StatusError || !strings.Contains(*app.LatestImage.ErrorDetail, "could not start") {
		t.Fatalf("after a failed start: guard %q, image %+v", app.ActivePipeline, app.LatestImage)
	}
	f.starter.setFail(false)
	if r := f.deploy(t); r.Status != 202 {
		t.Fatalf("deploy after a failed start: %d %s", r.Status, r.Body)
	}
	f.runner.Wait()
	if app := f.app(t); app.LatestImage.Status != platform.StatusComplete || app.ImageSeq != 3 {
		t.Fatalf("second deploy: %+v (seq %d)", app.LatestImage, app.ImageSeq)
	}

	// The start fails and so does the write that would mark it failed
	// (the second application transaction of the request).
	f.starter.setFail(true)
	f.db.FailNth("TransactWriteItems[Put:APP Put:SLUG Put:IMAGE]", 2, &types.InternalServerError{Message: aws.String("injected")})
	faultExpectUnavailable(t, "deploy with a failing starter and store", f.deploy(t))
	f.db.FailWhen(nil)
	f.starter.setFail(false)
	stuck := f.app(t)
	if stuck.ActivePipeline == "" || stuck.LatestImage.Status != platform.StatusInProgress || stuck.LatestImage.BuildRef != "" {
		t.Fatalf("expected an in-progress image without a build holding the guard: %+v", stuck.LatestImage)
	}
	if r := f.deploy(t); r.Status != 409 || r.JSON()["image_id"] != stuck.LatestImage.ID {
		t.Fatalf("deploy within the start grace: %d %s", r.Status, r.Body)
	}
	f.clock.Advance(platform.PipelineStartGrace + time.Second)
	status := faultDo(t, f.Handler, f.Tokens, apitest.Request{Method: "GET", Path: "/applications/" + f.appID + "/pipeline-status", Token: apitest.Member}, faultDeadline)
	if status.JSON()["pipeline_active"] != false {
		t.Fatalf("an unstarted pipeline past the grace is still active: %s", status.Body)
	}
	if r := f.deploy(t); r.Status != 202 {
		t.Fatalf("deploy after the start grace: %d %s", r.Status, r.Body)
	}
	f.runner.Wait()
	imgs, err := f.Store.ListImages(context.Background(), f.appID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if imgs[0].Status != platform.StatusComplete || imgs[1].ID != stuck.LatestImage.ID || imgs[1].Status != platform.StatusError {
		t.Fatalf("images after recovery: %+v", imgs)
	}
}

// TestFaultDeployStoreFailsAfterStart: the pipeline started and recorded
// its build, then every write of the pipeline fails (steps, their
// retries, MarkFailed and the runner's own MarkFailed). The deploy is not
// in progress for ever: the guard stops counting after PipelineGuardTTL,
// and the next deploy marks the abandoned records failed.
func TestFaultDeployStoreFailsAfterStart(t *testing.T) {
	f := newFaultFixture(t)
	f.stepsDB.FailWhen(func(c storetest.FaultCall) error {
		if c.Op == "TransactWriteItems" && c.N >= 2 { // after RecordBuildStarted
			return &types.InternalServerError{Message: aws.String("injected")}
		}
		return nil
	})
	if r := f.deploy(t); r.Status != 202 {
		t.Fatalf("deploy: %d %s", r.Status, r.Body)
	}
	f.runner.Wait()
	f.stepsDB.FailWhen(nil)
	stuck := f.app(t)
	if stuck.RunningPipeline(f.clock.Now()) == "" || stuck.LatestImage.BuildRef == "" || stuck.LatestImage.Status != platform.StatusInProgress {
		t.Fatalf("expected a started pipeline left in progress: guard %q image %+v", stuck.ActivePipeline, stuck.LatestImage)
	}
	if r := f.deploy(t); r.Status != 409 {
		t.Fatalf("deploy within the guard TTL: %d %s", r.Status, r.Body)
	}
	f.clock.Advance(platform.PipelineGuardTTL + time.Minute)
	if r := f.deploy(t); r.Status != 202 {
		t.Fatalf("deploy after the guard TTL: %d %s", r.Status, r.Body)
	}
	f.runner.Wait()
	imgs, err := f.Store.ListImages(context.Background(), f.appID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if imgs[0].Status != platform.StatusComplete || imgs[1].ID != stuck.LatestImage.ID || imgs[1].Status != platform.StatusError ||
		!strings.Contains(*imgs[1].ErrorDetail, "abandoned") {
		t.Fatalf("images after recovery: %+v", imgs)
	}
}
