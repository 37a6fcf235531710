package webhooks_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/webhooks"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

const secret = "It's a Secret to Everybody"

type fixture struct {
	*apitest.Env
	clock   *stepfn.VirtualClock
	starter *flakyStarter
	runner  *localrun.Runner
	builder *pipelinetest.Builder
	secret  []byte
}

func newFixture(t *testing.T) *fixture { return newReportingFixture(t, nil) }

// newReportingFixture reports push pipelines through reporter (nil: none).
func newReportingFixture(t *testing.T, reporter pipeline.ProgressReporter) *fixture {
	t.Helper()
	f := &fixture{secret: []byte(secret), builder: &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}}
	clock := stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	f.clock = clock
	f.Env = apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		ids := &platform.IDGenerator{Now: clock.Now}
		steps := &pipeline.Steps{Store: env.Store, Builder: f.builder, Cluster: &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}},
			Now: clock.Now, IDs: ids, PollSeconds: 5, Reporter: reporter}
		f.runner = pipelinetest.NewRunner(t, steps, clock)
		f.starter = &flakyStarter{next: f.runner, fail: map[string]int{}}
		return webhooks.Routes(webhooks.Deps{
			Store:    env.Store,
			Secret:   func(context.Context) ([]byte, error) { return f.secret, nil },
			Launcher: &pipeline.Launcher{Store: env.Store, Starter: f.starter, IDs: ids, Now: clock.Now, Metrics: io.Discard},
			Now:      clock.Now,
		})
	})
	return f
}

// The GitHub App installations of the fixture's organizations: pushBody
// delivers through acme's.
const (
	acmeInstallation   int64 = 4242
	globexInstallation int64 = 999
)

// app stores an application of acme/shop with the given source settings,
// built through acme's installation.
func (f *fixture) app(t *testing.T, slug, repo, branch, subdir string) platform.Application {
	t.Helper()
	id := acmeInstallation
	return f.appOf(t, "acme/shop", &id, slug, repo, branch, subdir)
}

// appOf stores an application of the project ("org/project") with the
// given installation (nil: none) and source settings.
func (f *fixture) appOf(t *testing.T, project string, installation *int64, slug, repo, branch, subdir string) platform.Application {
	t.Helper()
	p := f.Projects[project]
	app := platform.Application{ID: f.IDs.NewID(), Name: slug, Slug: slug, ProjectID: p.ID, ProjectSlug: p.Slug, OrganizationID: p.OrganizationID,
		OrganizationSlug: p.OrganizationSlug, ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	app.GithubRepository, app.AutoDeployBranch, app.GithubAppInstallationID = &repo, &branch, installation
	if subdir != "" {
		app.Subdirectory = &subdir
	}
	if err := f.Store.CreateApplication(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

// pushBody is a push delivered through acme's installation.
func pushBody(repo, ref string, files ...string) []byte {
	return pushVia(acmeInstallation, repo, ref, files...)
}

// pushVia is a push delivered through the installation (0: a repository
// webhook, without one).
func pushVia(installation int64, repo, ref string, files ...string) []byte {
	commit := map[string]any{"id": strings.Repeat("a", 40), "added": files, "removed": []string{}, "modified": []string{}}
	doc := map[string]any{
		"ref": ref, "before": strings.Repeat("0", 40), "after": strings.Repeat("b", 40), "deleted": false,
		"repository": map[string]any{"full_name": repo}, "pusher": map[string]any{"name": "octocat"},
		"head_commit": commit, "commits": []any{commit},
	}
	if installation != 0 {
		doc["installation"] = map[string]any{"id": installation}
	}
	b, _ := json.Marshal(doc)
	return b
}

func (f *fixture) deliver(event, guid string, body []byte, sign bool) *apitest.Response {
	h := map[string]string{"X-GitHub-Event": event, "X-GitHub-Delivery": guid}
	if sign {
		h["X-Hub-Signature-256"] = github.Signature([]byte(secret), body)
	}
	return f.Do(apitest.Request{Method: "POST", Path: "/webhooks/github", Body: body, Header: h})
}

func (f *fixture) images(t *testing.T, app platform.Application) []platform.Image {
	t.Helper()
	f.runner.Wait()
	imgs, err := f.Store.ListImages(context.Background(), app.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	return imgs
}

func TestSignature(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, "web", "acme/web", "main", "")
	body := pushBody("acme/web", "refs/heads/main", "x.go")
	altered := append([]byte(nil), body...)
	altered[10] ^= 1
	for _, tc := range []struct {
		name   string
		header map[string]string
		body   []byte
		secret string
		status int
	}{
		{"missing", map[string]string{}, body, secret, 401},
		{"wrong", map[string]string{"X-Hub-Signature-256": github.Signature([]byte("other"), body)}, body, secret, 401},
		{"sha1 only", map[string]string{"X-Hub-Signature": "sha1=" + strings.Repeat("0", 40)}, body, secret, 401},
		{"altered body", map[string]string{"X-Hub-Signature-256": github.Signature([]byte(secret), body)}, altered, secret, 401},
		{"no secret configured", map[string]string{"X-Hub-Signature-256": github.Signature(nil, body)}, body, "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.secret = []byte(tc.secret)
			h := map[string]string{"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-" + tc.name}
			for k, v := range tc.header {
				h[k] = v
			}
			r := f.Do(apitest.Request{Method: "POST", Path: "/webhooks/github", Body: tc.body, Header: h})
			if r.Status != tc.status || r.JSON()["code"] != "unauthorized" {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		})
	}
	f.secret = []byte(secret)
	if n := len(f.images(t, app)); n != 0 {
		t.Fatalf("refused deliveries started %d pipelines", n)
	}
	// Nothing was recorded: the same delivery id, signed, is processed.
	if r := f.deliver("push", "d-wrong", body, true); r.Status != 200 || r.JSON()["duplicate"] == true {
		t.Fatalf("valid delivery after refusals: %d %s", r.Status, r.Body)
	}
	if n := len(f.images(t, app)); n != 1 {
		t.Fatalf("%d pipelines", n)
	}
}

func TestEventsOtherThanPush(t *testing.T) {
	f := newFixture(t)
	if r := f.deliver("ping", "p1", []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`), true); r.Status != 200 {
		t.Fatalf("ping %d", r.Status)
	}
	if r := f.deliver("issues", "i1", []byte(`{"action":"opened"}`), true); r.Status != 202 {
		t.Fatalf("other event %d", r.Status)
	}
	if r := f.Do(apitest.Request{Method: "POST", Path: "/webhooks/github", Body: []byte(`{}`),
		Header: map[string]string{"X-Hub-Signature-256": github.Signature([]byte(secret), []byte(`{}`))}}); r.Status != 400 {
		t.Fatalf("no event headers: %d", r.Status)
	}
	if r := f.deliver("push", "bad", []byte(`{"ref":1}`), true); r.Status != 422 {
		t.Fatalf("unparseable push: %d %s", r.Status, r.Body)
	}
}

func TestPushMatching(t *testing.T) {
	f := newFixture(t)
	web := f.app(t, "web", "Acme/Shop", "main", "")
	worker := f.app(t, "worker", "acme/shop", "main", "")
	docs := f.app(t, "docs", "acme/shop", "main", "docs")
	preview := f.app(t, "preview", "acme/shop", "preview", "")
	// The same repository and branch in another organization, through its
	// own installation and through none: acme's pushes are not theirs.
	theirs := globexInstallation
	intruder := f.appOf(t, "globex/shop", &theirs, "intruder", "acme/shop", "main", "")
	bare := f.appOf(t, "globex/shop", nil, "bare", "acme/shop", "main", "")
	deleted, _ := json.Marshal(map[string]any{"ref": "refs/heads/main", "before": strings.Repeat("b", 40), "after": strings.Repeat("0", 40),
		"deleted": true, "repository": map[string]any{"full_name": "acme/shop"}, "pusher": map[string]any{"name": "o"}, "commits": []any{},
		"installation": map[string]any{"id": acmeInstallation}})
	all := []platform.Application{web, worker, docs, preview, intruder, bare}
	for i, tc := range []struct {
		name    string
		body    []byte
		started []platform.Application
	}{
		{"tag push", pushBody("acme/shop", "refs/tags/v1", "a.go"), nil},
		{"deleted branch", deleted, nil},
		{"other branch", pushBody("acme/shop", "refs/heads/develop", "a.go"), nil},
		{"other repository", pushBody("acme/other", "refs/heads/main", "a.go"), nil},
		{"main, outside docs", pushBody("ACME/SHOP", "refs/heads/main", "src/a.go"), []platform.Application{web, worker}},
		{"main, through globex's installation", pushVia(globexInstallation, "acme/shop", "refs/heads/main", "src/b.go"), []platform.Application{intruder}},
		{"main, without an installation", pushVia(0, "acme/shop", "refs/heads/main", "src/c.go"), nil},
		{"main, through an unknown installation", pushVia(31337, "acme/shop", "refs/heads/main", "src/d.go"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]int{}
			for _, a := range all {
				before[a.ID] = len(f.images(t, a))
			}
			r := f.deliver("push", fmt.Sprintf("m-%d", i), tc.body, true)
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			started := map[string]bool{}
			for _, a := range tc.started {
				started[a.ID] = true
			}
			for _, a := range all {
				grew := len(f.images(t, a)) > before[a.ID]
				if grew != started[a.ID] {
					t.Errorf("%s: pipeline started %v, want %v (%s)", a.Slug, grew, started[a.ID], r.Body)
				}
				if _, named := r.JSON()["applications"].(map[string]any)[a.ID]; named && !started[a.ID] && a.OrganizationSlug != "acme" {
					t.Errorf("the answer names %s of another organization: %s", a.Slug, r.Body)
				}
			}
		})
	}
	r := f.deliver("push", "m-docs", pushBody("acme/shop", "refs/heads/main", "docs/index.md"), true)
	outcomes := r.JSON()["applications"].(map[string]any)
	if !strings.HasPrefix(outcomes[docs.ID].(string), "started ") {
		t.Fatalf("a push under docs/ did not deploy docs: %v", outcomes)
	}
	imgs := f.images(t, web)
	if imgs[0].Trigger != platform.TriggerAuto || imgs[0].TriggeredBy != "octocat" {
		t.Fatalf("push pipeline %+v", imgs[0])
	}
	for _, req := range f.builder.Requests {
		if req.ApplicationID == intruder.ID {
			continue
		}
		if req.CommitSHA != strings.Repeat("b", 40) || req.Ref != "main" {
			t.Fatalf("built %+v, not the pushed commit", req)
		}
	}
}

// TestPushWhileRunningIsQueued: pushes during a run wait in the one
// pending slot, the newest wins (the replaced delivery says superseded),
// and the queued push starts when the running pipeline ends.
func TestPushWhileRunningIsQueued(t *testing.T) {
	f := newFixture(t)
	gate := make(chan struct{})
	f.builder.Gate = gate
	closeGate := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(closeGate)
	app := f.app(t, "web", "acme/shop", "main", "")
	if r := f.deliver("push", "first", pushBody("acme/shop", "refs/heads/main", "a"), true); r.Status != 200 {
		t.Fatal(r.Status)
	}
	for _, guid := range []string{"second", "third"} {
		body := bytes.ReplaceAll(pushBody("acme/shop", "refs/heads/main", "b"), []byte(strings.Repeat("b", 40)), []byte(map[string]string{"second": "d", "third": "e"}[guid]+strings.Repeat("c", 39)))
		r := f.deliver("push", guid, body, true)
		if got := r.JSON()["applications"].(map[string]any)[app.ID]; got != "queued" {
			t.Fatalf("%s push while running: %v", guid, got)
		}
	}
	second, _, err := f.Store.ClaimDelivery(context.Background(), "second", "push", f.clock.Now())
	if err != nil || !strings.HasPrefix(second.Outcomes[app.ID], "superseded: queued commit dccccccccccc was replaced by eccccccccccc") {
		t.Fatalf("the replaced delivery: %+v %v", second, err)
	}
	queued, _ := f.Store.GetApplication(context.Background(), app.ID)
	if queued.QueuedPush == nil || queued.QueuedPush.CommitSHA != "e"+strings.Repeat("c", 39) || queued.QueuedPush.DeliveryID != "third" {
		t.Fatalf("pending slot %+v", queued.QueuedPush)
	}
	closeGate()
	imgs := f.images(t, app)
	if len(imgs) != 2 || len(f.builder.Requests) != 2 || f.builder.Requests[1].CommitSHA != "e"+strings.Repeat("c", 39) || imgs[0].Status != platform.StatusComplete || imgs[1].Status != platform.StatusComplete {
		t.Fatalf("pipelines %+v", imgs)
	}
	done, _ := f.Store.GetApplication(context.Background(), app.ID)
	if done.QueuedPush != nil || done.ActivePipeline != "" {
		t.Fatalf("after both: queued %+v, active %q", done.QueuedPush, done.ActivePipeline)
	}
}

// TestPushWhilePausedIsSkipped: a rollback pauses auto-deploy; pushes are
// skipped until the settings resume it.
func TestPushWhilePausedIsSkipped(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, "web", "acme/shop", "main", "")
	if _, err := f.Store.UpdateApplication(context.Background(), app.ID, 0, func(a *platform.Application) error {
		a.AutoDeployPaused = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := f.deliver("push", "paused", pushBody("acme/shop", "refs/heads/main", "a"), true)
	if got := r.JSON()["applications"].(map[string]any)[app.ID]; got != "skipped: auto-deploy is paused" {
		t.Fatalf("push while paused: %v", got)
	}
	if n := len(f.images(t, app)); n != 0 {
		t.Fatalf("%d pipelines", n)
	}
}

func TestDeliveriesAreProcessedOnce(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, "web", "acme/shop", "main", "")
	body := pushBody("acme/shop", "refs/heads/main", "a.go")
	var wg sync.WaitGroup
	responses := make(chan *apitest.Response, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			responses <- f.deliver("push", "same", body, true)
		}()
	}
	wg.Wait()
	close(responses)
	processed := 0
	for r := range responses {
		switch {
		case r.Status == 200 && r.JSON()["duplicate"] == nil:
			processed++
		case r.Status == 200: // came after the first finished
		case r.Status == 503 && r.Header.Get("Retry-After") != "": // came while the first ran
		default:
			t.Fatalf("status %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
		}
	}
	if processed != 1 {
		t.Fatalf("%d copies processed the delivery, want 1", processed)
	}
	if again := f.deliver("push", "same", body, true); again.JSON()["duplicate"] != true {
		t.Fatalf("repeat: %s", again.Body)
	}
	if n := len(f.images(t, app)); n != 1 {
		t.Fatalf("one delivery started %d pipelines", n)
	}
}

func TestACopyWhileTheDeliveryRunsIsToldToRetry(t *testing.T) {
	f := newFixture(t)
	f.app(t, "web", "acme/shop", "main", "")
	// Another request holds the claim (its processing is under way).
	if _, claimed, err := f.Store.ClaimDelivery(context.Background(), "held", "push", f.clock.Now()); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	r := f.deliver("push", "held", pushBody("acme/shop", "refs/heads/main", "a.go"), true)
	if r.Status != 503 || r.Header.Get("Retry-After") == "" || r.JSON()["duplicate"] != nil {
		t.Fatalf("copy of a delivery in flight: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
}

func TestARefusedDeliveryLeavesNoClaim(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, "web", "acme/shop", "main", "")
	good := pushBody("acme/shop", "refs/heads/main", "a.go")
	var shortAfter map[string]any
	_ = json.Unmarshal(good, &shortAfter)
	shortAfter["after"] = "bbbbbbb"
	short, _ := json.Marshal(shortAfter)
	for _, tc := range []struct {
		name  string
		body  []byte
		field string
	}{
		{"not JSON", []byte(`{"ref":`), ""},
		{"wrong type", []byte(`{"ref":1}`), "body"},
		{"after not a commit", short, "after"},
		{"after missing", []byte(`{"ref":"refs/heads/main","repository":{"full_name":"acme/shop"}}`), "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			guid := "refused-" + strings.ReplaceAll(tc.name, " ", "-")
			r := f.deliver("push", guid, tc.body, true)
			if r.Status != 422 && r.Status != 400 {
				t.Fatalf("refusal: %d %s", r.Status, r.Body)
			}
			if tc.field != "" {
				if errs, _ := r.JSON()["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field {
					t.Fatalf("refusal names %v, want %s: %s", r.JSON()["errors"], tc.field, r.Body)
				}
			}
			// GitHub's redelivery of the same id, now with a good payload, runs.
			again := f.deliver("push", guid, good, true)
			if again.Status != 200 || again.JSON()["duplicate"] != nil {
				t.Fatalf("redelivery after a refusal: %d %s", again.Status, again.Body)
			}
			f.runner.Wait()
		})
	}
	if n := len(f.images(t, app)); n != 4 {
		t.Fatalf("%d pipelines, want one per corrected redelivery", n)
	}
}

func TestPushPipelineIDs(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, "web", "acme/shop", "main", "")
	received := f.clock.Now()
	r := f.deliver("push", "v7", pushBody("acme/shop", "refs/heads/main", "a.go"), true)
	started, _ := r.JSON()["applications"].(map[string]any)[app.ID].(string)
	id, _ := strings.CutPrefix(started, "started ")
	if !platform.IsUUID(id) || id[14] != '7' || !strings.ContainsAny(id[19:20], "89ab") {
		t.Fatalf("pipeline id %q is not a UUIDv7 (outcome %q)", id, started)
	}
	if want := platform.DerivedID(received, "slipway-push", "v7", app.ID); id != want {
		t.Fatalf("pipeline id %s, want %s: the same on every redelivery", id, want)
	}
}

func TestInstallationEvents(t *testing.T) {
	f := newFixture(t)
	a := f.app(t, "a", "acme/one", "main", "")
	b := f.app(t, "b", "acme/two", "main", "")
	for _, app := range []platform.Application{a, b} {
		if _, err := f.Store.UpdateApplication(context.Background(), app.ID, 0, func(x *platform.Application) error {
			id := int64(42)
			x.GithubAppInstallationID = &id
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	installation := func(id string) *int64 {
		app, err := f.Store.GetApplication(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return app.GithubAppInstallationID
	}
	f.deliver("installation_repositories", "r1", []byte(`{"action":"removed","installation":{"id":42},"repositories_removed":[{"full_name":"ACME/one"}]}`), true)
	if installation(a.ID) != nil || installation(b.ID) == nil {
		t.Fatal("removing acme/one did not clear exactly a")
	}
	if _, err := f.Store.LinkInstallation(context.Background(), platform.Installation{ID: 42, OrganizationSlug: "acme"}); err != nil {
		t.Fatal(err)
	}
	f.deliver("installation", "i1", []byte(`{"action":"deleted","installation":{"id":42}}`), true)
	if installation(b.ID) != nil {
		t.Fatal("deleting the installation did not clear b")
	}
	if _, err := f.Store.GetInstallation(context.Background(), 42); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("the deleted installation is still linked: %v", err)
	}
	// A redelivery, or the deletion of an installation nobody linked, is fine.
	if r := f.deliver("installation", "i2", []byte(`{"action":"deleted","installation":{"id":42}}`), true); r.Status != 200 {
		t.Fatalf("deleting an unlinked installation: %d %s", r.Status, r.Body)
	}
}

// flakyStarter fails the next fail[appID] starts of an application.
type flakyStarter struct {
	mu   sync.Mutex
	next pipeline.Starter
	fail map[string]int
}

func (s *flakyStarter) Start(ctx context.Context, run pipeline.Run) error {
	s.mu.Lock()
	if s.fail[run.ApplicationID] > 0 {
		s.fail[run.ApplicationID]--
		s.mu.Unlock()
		return fmt.Errorf("StartExecution: throttled")
	}
	s.mu.Unlock()
	return s.next.Start(ctx, run)
}

func TestRedeliveryFinishesAHalfDoneDelivery(t *testing.T) {
	f := newFixture(t)
	a := f.app(t, "a", "acme/shop", "main", "")
	b := f.app(t, "b", "acme/shop", "main", "")
	f.starter.fail[b.ID] = 1
	body := pushBody("acme/shop", "refs/heads/main", "x")
	first := f.deliver("push", "half", body, true)
	if first.Status != 503 {
		t.Fatalf("half-done delivery: %d %s", first.Status, first.Body)
	}
	// The failed attempt gave its claim up: the redelivery finishes the
	// work at once, without starting a's pipeline again.
	again := f.deliver("push", "half", body, true)
	if again.Status != 200 || again.JSON()["duplicate"] != nil {
		t.Fatalf("redelivery: %d %s", again.Status, again.Body)
	}
	imgsA, imgsB := f.images(t, a), f.images(t, b)
	if len(imgsA) != 1 || imgsA[0].Status != platform.StatusComplete {
		t.Fatalf("a: %+v", imgsA)
	}
	if len(imgsB) != 2 || imgsB[0].Status != platform.StatusComplete || imgsB[1].Status != platform.StatusError {
		t.Fatalf("b: the failed start is recorded and the redelivery deployed: %+v", imgsB)
	}
}

// fakeGitHub is a protocol-level fake of the GitHub API calls a reporter
// makes; it records them in order and can be told to fail every call.
type fakeGitHub struct {
	mu    sync.Mutex
	calls []string
	fail  bool
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	call := r.Method + " " + r.URL.Path
	if state, ok := body["state"].(string); ok {
		call += " " + state
	}
	g.calls = append(g.calls, call)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case g.fail:
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(`{"message":"Server Error"}`))
	case strings.HasSuffix(r.URL.Path, "/access_tokens"):
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"token":"ghs_installation","expires_at":"2099-01-01T00:00:00Z"}`))
	case r.Header.Get("Authorization") != "Bearer ghs_installation":
		w.WriteHeader(http.StatusUnauthorized)
	case strings.HasSuffix(r.URL.Path, "/deployments"):
		if body["environment"] != "acme/shop/web" || body["ref"] != strings.Repeat("b", 40) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":9001}`))
	default:
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":1}`))
	}
}

func TestPushPipelinesAreReportedToGitHub(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  bool
		calls string
	}{
		{"reported", false, "POST /app/installations/4242/access_tokens | POST /repos/acme/shop/deployments | " +
			"POST /repos/acme/shop/deployments/9001/statuses in_progress | POST /repos/acme/shop/deployments/9001/statuses success"},
		{"github down", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh := &fakeGitHub{fail: tc.fail}
			srv := httptest.NewServer(gh)
			defer srv.Close()
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			app := &github.App{ID: 12, PrivateKey: key, BaseURL: srv.URL, HTTP: srv.Client()}
			noWait := func(context.Context, time.Duration) error { return nil }
			f := newReportingFixture(t, github.PipelineReporter{Reporter: &github.Reporter{App: app, Sleep: noWait}})
			web := f.app(t, "web", "acme/shop", "main", "")
			f.deliver("push", "gh-"+tc.name, pushBody("acme/shop", "refs/heads/main", "a"), true)
			imgs := f.images(t, web)
			if len(imgs) != 1 || imgs[0].Status != platform.StatusComplete {
				t.Fatalf("the deploy must succeed whatever GitHub does: %+v", imgs)
			}
			gh.mu.Lock()
			defer gh.mu.Unlock()
			if tc.fail {
				if len(gh.calls) == 0 {
					t.Fatal("no reporting attempted")
				}
				return
			}
			if got := strings.Join(gh.calls, " | "); got != tc.calls {
				t.Fatalf("GitHub calls:\n got %s\nwant %s", got, tc.calls)
			}
		})
	}
}

// TestRoutesFillInPipelineDefaults: a caller that gives the pipelines only
// a store and a starter (as the Lambda does) still starts a push's
// pipeline; an unset clock or id generator once made every push a 500.
func TestRoutesFillInPipelineDefaults(t *testing.T) {
	starter := &apitest.RecordingStarter{}
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return webhooks.Routes(webhooks.Deps{
			Store:    env.Store,
			Secret:   func(context.Context) ([]byte, error) { return []byte(secret), nil },
			Launcher: &pipeline.Launcher{Store: env.Store, Starter: starter},
		})
	})
	f := &fixture{Env: env}
	app := f.app(t, "bare", "acme/bare", "main", "")
	if r := f.deliver("push", "bare-1", pushBody("acme/bare", "refs/heads/main", "x.go"), true); r.Status != 200 {
		t.Fatalf("push: %d %s", r.Status, r.Body)
	}
	runs := starter.Runs()
	if len(runs) != 1 || runs[0].ApplicationID != app.ID || runs[0].ImageID == "" {
		t.Fatalf("runs %+v, want one for %s", runs, app.ID)
	}
}
