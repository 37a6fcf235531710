package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

const (
	webPath    = "/apis/apps/v1/namespaces/acme/deployments/shop-api-web"
	workerPath = "/apis/apps/v1/namespaces/acme/deployments/shop-api-worker"
	tcpPath    = "/apis/apps/v1/namespaces/acme/deployments/shop-api-tcp-mqtt"
)

func TestApplyRequests(t *testing.T) {
	api := newFakeAPI(t, "secret-token")
	k := api.cluster(t)
	w := testWorkload()
	if err := k.Apply(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	objs, _ := Render(w)
	ingresses, _ := RenderIngresses(w, testRouting)
	want := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/namespaces", Namespace{APIVersion: "v1", Kind: "Namespace", Metadata: ObjectMeta{Name: "acme", Labels: map[string]string{LabelManagedBy: "slipway"}}}},
		{"POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/acme/rolebindings", roleBinding("acme", "slipway-pipeline")},
		{"POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/acme/rolebindings", roleBinding("acme", "slipway-api")},
		{"POST", "/api/v1/namespaces/acme/secrets", objs.ConfigSecret},
		{"PATCH", tcpPath, objs.Deployments[0]},
		{"PATCH", webPath, objs.Deployments[1]},
		{"PATCH", workerPath, objs.Deployments[2]},
		{"PATCH", "/api/v1/namespaces/acme/services/shop-api-tcp-mqtt", objs.Services[0]},
		{"PATCH", "/api/v1/namespaces/acme/services/shop-api-web", objs.Services[1]},
		{"GET", "/apis/apps/v1/namespaces/acme/deployments", nil},
		{"GET", "/api/v1/namespaces/acme/services", nil},
		{"PATCH", ingressWebPath, ingresses[0]},
		{"GET", "/apis/networking.k8s.io/v1/namespaces/acme/ingresses", nil},
		{"GET", "/apis/apps/v1/namespaces/acme/replicasets", nil},
		{"GET", "/api/v1/namespaces/acme/secrets", nil},
	}
	got := api.take()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		wr := want[i]
		if r.Method != wr.method || r.Path != wr.path || r.Authorization != "Bearer secret-token" {
			t.Fatalf("request %d: %s %s (%s), want %s %s", i, r.Method, r.Path, r.Authorization, wr.method, wr.path)
		}
		if r.Method == "GET" {
			if sel := r.Query.Get("labelSelector"); sel != "slipway.dev/application-id="+appID+",app.kubernetes.io/managed-by=slipway" {
				t.Fatalf("request %d: label selector %q", i, sel)
			}
			continue
		}
		if r.Method == "POST" {
			if r.ContentType != "application/json" || len(r.Query) != 0 {
				t.Fatalf("request %d: content type %q, query %v", i, r.ContentType, r.Query)
			}
		} else if r.ContentType != "application/apply-patch+yaml" || r.Query.Get("fieldManager") != "slipway" || r.Query.Get("force") != "true" {
			t.Fatalf("request %d: content type %q, query %v", i, r.ContentType, r.Query)
		}
		assertJSON(t, r.Path, json.RawMessage(r.Body), jsonOf(wr.body))
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	for range 2 {
		if err := k.Apply(context.Background(), testWorkload()); err != nil {
			t.Fatal(err)
		}
	}
	if gen := api.generation(webPath); gen != 1 {
		t.Fatalf("re-applying changed the spec: generation %d", gen)
	}
	for _, r := range api.take() {
		if r.Method == "DELETE" {
			t.Fatalf("re-applying deleted %s", r.Path)
		}
	}
}

func TestApplyDeletesRemovedProcesses(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	old := testWorkload()
	old.Processes = map[string]string{"web": "./web", "clock": "./clock", "worker-old": "./old", "tcp": "./tcp"}
	if err := k.Apply(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	foreign := testWorkload()
	foreign.ApplicationID, foreign.Name = "0190f0c4-0000-7000-8000-00000000beef", "shop-other"
	if err := k.Apply(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	unmanaged := Deployment{APIVersion: "apps/v1", Kind: "Deployment", Metadata: ObjectMeta{Name: "by-hand", Namespace: "acme",
		Labels: map[string]string{LabelApplicationID: appID}}}
	api.seed("/apis/apps/v1/namespaces/acme/deployments/by-hand", unmanaged)
	api.take()

	if err := k.Apply(context.Background(), testWorkload()); err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, r := range api.take() {
		if r.Method == "DELETE" {
			deleted = append(deleted, r.Path)
		}
	}
	want := "/apis/apps/v1/namespaces/acme/deployments/shop-api-tcp " +
		"/apis/apps/v1/namespaces/acme/deployments/shop-api-worker-old " +
		"/api/v1/namespaces/acme/services/shop-api-tcp"
	if got := strings.Join(deleted, " "); got != want {
		t.Fatalf("deleted %s\nwant    %s", got, want)
	}
	remaining := strings.Join(api.paths(), " ")
	for _, keep := range []string{"deployments/by-hand", "deployments/shop-other-web", "services/shop-other-web", "deployments/shop-api-web", "services/shop-api-tcp-mqtt"} {
		if !strings.Contains(remaining, keep) {
			t.Errorf("%s was deleted", keep)
		}
	}
}

func TestRolloutStatusFromAPI(t *testing.T) {
	inProgress := DeploymentStatus{Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2}
	for _, tc := range []struct {
		name     string
		web      DeploymentStatus
		webLag   int64
		want     pipeline.RolloutStatus
		wantGets int
	}{
		// Ready counts the ready pods of release 7 only (the Deployment's
		// readyReplicas counts the old ReplicaSet's too); the pods are listed
		// only while the rollout is in progress.
		{"in progress", inProgress, 0, pipeline.RolloutStatus{Desired: 3, Ready: 2}, 4},
		// A done rollout prunes the config Secrets (ReplicaSets and Secrets listed).
		{"done", complete(2, 0), 0, pipeline.RolloutStatus{Done: true, Desired: 3, Ready: 3}, 5},
		{"stale observed generation", complete(2, 0), 1, pipeline.RolloutStatus{Desired: 3, Ready: 2}, 4},
		{"progress deadline exceeded", DeploymentStatus{Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2, Conditions: []Condition{deadline}}, 0,
			pipeline.RolloutStatus{Failed: true, Desired: 3, Ready: 3, Reason: `Deployment shop-api-web made no progress: ReplicaSet "shop-api-web-5d4f" has timed out progressing.`}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, "t")
			k := api.cluster(t)
			w := testWorkload()
			if err := k.Apply(context.Background(), w); err != nil {
				t.Fatal(err)
			}
			api.setStatus(tcpPath, complete(1, 0), 0)
			api.setStatus(workerPath, DeploymentStatus{}, 0)
			api.setStatus(webPath, tc.web, tc.webLag)
			api.pods = []Pod{readyPod("shop-api-web-new", "web", 7), readyPod("shop-api-web-old", "web", 6), readyPod("shop-api-tcp-mqtt-new", "tcp-mqtt", 7)}
			api.take()
			got, err := k.RolloutStatus(context.Background(), w)
			if err != nil || got != tc.want {
				t.Fatalf("RolloutStatus = %+v, %v; want %+v", got, err, tc.want)
			}
			if reqs := api.take(); len(reqs) != tc.wantGets || reqs[0].Method != "GET" {
				t.Fatalf("requests %+v", reqs)
			}
		})
	}
}

func TestRolloutStatusOfMissingDeployment(t *testing.T) {
	api := newFakeAPI(t, "t")
	_, err := api.cluster(t).RolloutStatus(context.Background(), testWorkload())
	if !IsNotFound(err) || platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), `404 Not Found: deployments.apps "shop-api-tcp-mqtt" not found`) {
		t.Fatalf("message %q", err)
	}
}

func TestScale(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	ctx := context.Background()
	if err := k.Apply(ctx, testWorkload()); err != nil {
		t.Fatal(err)
	}
	newer := testWorkload()
	newer.ReleaseVersion, newer.ImageURI = 8, "123.dkr.ecr.us-east-1.amazonaws.com/apps@sha256:def"
	if err := k.Apply(ctx, newer); err != nil {
		t.Fatal(err)
	}
	api.take()

	scaled := testWorkload() // the live release is still 7
	large, _ := platform.LookupPodClass("c1.large")
	scaled.ProcessCounts = map[string]int{"web": 5}
	scaled.PodClasses = map[string]platform.PodClass{"web": large}
	if err := k.Scale(ctx, scaled); err != nil {
		t.Fatal(err)
	}
	reqs := api.take()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want one per Deployment", len(reqs))
	}
	for _, r := range reqs {
		if r.Method != "PATCH" || r.ContentType != contentTypeMerge || r.Query.Get("fieldManager") != "slipway-scale" || r.Query.Has("force") {
			t.Fatalf("request %s %s %s %v", r.Method, r.Path, r.ContentType, r.Query)
		}
	}
	assertJSON(t, "web scale body", json.RawMessage(reqs[1].Body), `{"apiVersion":"apps/v1","kind":"Deployment",
		"metadata":{"name":"shop-api-web","namespace":"acme"},
		"spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"web",
			"resources":{"requests":{"cpu":"1000m","memory":"1024Mi"},"limits":{"cpu":"1500m","memory":"1536Mi"}}}]}}}}`)
	var live Deployment
	_ = json.Unmarshal(api.object(webPath), &live)
	c := live.Spec.Template.Spec.Containers[0]
	if *live.Spec.Replicas != 5 || c.Image != newer.ImageURI || c.Resources.Limits["cpu"] != "1500m" || c.ReadinessProbe == nil {
		t.Fatalf("after scale: replicas %d, image %s, resources %v", *live.Spec.Replicas, c.Image, c.Resources)
	}
}

// A patch never creates: scaling a Deployment (or into a namespace) that
// does not exist is the real server's 404, not the 422 of an apply.
func TestScaleOfMissingDeployment(t *testing.T) {
	api := newFakeAPI(t, "t")
	err := api.cluster(t).Scale(context.Background(), testWorkload())
	if !IsNotFound(err) || platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("error %v", err)
	}
}

// readyPod is a Ready pod of a process at a release version.
func readyPod(name, process string, version int64) Pod {
	var p Pod
	p.Metadata.Name = name
	p.Metadata.Labels = map[string]string{LabelProcess: process, LabelReleaseVersion: fmt.Sprint(version)}
	p.Status.Conditions = []Condition{{Type: "Ready", Status: "True"}}
	return p
}

// The error answers of the real server (bodies as kube-apiserver 1.37 sends
// them) and how they are classified.
func TestAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		code      int
		status    fakeStatus
		raw       string
		token     string
		fresh     bool // the namespace and its RoleBindings do not exist yet
		retryable bool
		wantMsg   string
	}{
		{name: "conflict", code: 409, retryable: true, wantMsg: "kube: PATCH " + webPath + ": 409 Conflict: injected failure of PATCH " + webPath},
		{name: "throttled", code: 429, retryable: true, wantMsg: "429 Too Many Requests"},
		{name: "server error", code: 503, retryable: true, wantMsg: "503 Service Unavailable"},
		{name: "invalid", code: 422, wantMsg: "422 Unprocessable Entity"},
		{name: "forbidden by RBAC", code: 403, wantMsg: "kube: cluster test refused Slipway's RBAC rights (403 Forbidden): injected failure of PATCH " + webPath},
		{name: "forbidden right after the RoleBindings were created", code: 403, fresh: true, retryable: true, wantMsg: "the RoleBindings of namespace acme are not in effect yet"},
		{name: "quota exceeded", status: fakeStatus{code: 403, reason: "Forbidden",
			message: `services "shop-api-web" is forbidden: exceeded quota: objects, requested: services=1, used: services=1, limited: services=1`},
			wantMsg: "a resource quota of the namespace is exceeded: services"},
		{name: "namespace terminating", status: fakeStatus{code: 403, reason: "Forbidden",
			message: `deployments.apps "shop-api-web" is forbidden: unable to create new content in namespace acme because it is being terminated`,
			causes:  []StatusCause{{Reason: "NamespaceTerminating", Field: "metadata.namespace"}}},
			retryable: true, wantMsg: "because it is being terminated"},
		{name: "apply body outside the schema", status: fakeStatus{code: 500, reason: "InternalError",
			message: `failed to create typed patch object (acme/shop-api-web; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema`},
			wantMsg: "500 Internal Server Error: failed to create typed patch object"},
		{name: "wrong token", token: "wrong", wantMsg: "kube: cluster credentials rejected by cluster test (401 Unauthorized): Unauthorized"},
		{name: "not a Status body", raw: "upstream connect error", retryable: true, wantMsg: "502 Bad Gateway: upstream connect error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, "t")
			if !tc.fresh {
				api.seedNamespace("acme")
			}
			if tc.code != 0 {
				api.failures["PATCH "+webPath] = tc.code
			}
			if tc.status.code != 0 {
				api.statuses["PATCH "+webPath] = tc.status
			}
			if tc.raw != "" {
				api.rawFailures["PATCH "+webPath] = tc.raw
			}
			token := tc.token
			if token == "" {
				token = "t"
			}
			k, _ := New(Config{Server: api.srv.URL, ClusterName: "test", Token: StaticToken(token), HTTPClient: api.srv.Client()})
			err := k.Apply(context.Background(), testWorkload())
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is no *APIError", err)
			}
			if platform.IsCode(err, platform.CodeUnavailable) != tc.retryable {
				t.Fatalf("retryable = %v, want %v (%v)", !tc.retryable, tc.retryable, err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("message %q does not contain %q", err.Error(), tc.wantMsg)
			}
		})
	}
}

// rotatingToken hands out "stale" until invalidated, then "fresh".
type rotatingToken struct {
	mu          sync.Mutex
	invalidated int
}

func (r *rotatingToken) Token(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.invalidated > 0 {
		return "fresh", nil
	}
	return "stale", nil
}

func (r *rotatingToken) Invalidate() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.invalidated++
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	api := newFakeAPI(t, "fresh")
	tokens := &rotatingToken{}
	k, _ := New(Config{Server: api.srv.URL, Token: tokens, HTTPClient: api.srv.Client()})
	if err := k.Apply(context.Background(), testWorkload()); err != nil {
		t.Fatal(err)
	}
	reqs := api.take()
	if reqs[0].Authorization != "Bearer stale" || reqs[1].Authorization != "Bearer fresh" || tokens.invalidated != 1 {
		t.Fatalf("first requests %q %q, invalidated %d", reqs[0].Authorization, reqs[1].Authorization, tokens.invalidated)
	}

	api.setToken("never")
	err := k.Apply(context.Background(), testWorkload())
	if !strings.Contains(fmt.Sprint(err), "cluster credentials rejected") || len(api.take()) != 2 {
		t.Fatalf("a rejected fresh token: %v", err)
	}
}

type failingToken struct{}

func (failingToken) Token(context.Context) (string, error) { return "", errors.New("no credentials") }

func TestTransportAndTokenFailures(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	api.srv.Close()
	if err := k.Apply(context.Background(), testWorkload()); !platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("unreachable server: %v", err)
	}
	k, _ = New(Config{Server: "http://127.0.0.1:1", Token: failingToken{}})
	err := k.Apply(context.Background(), testWorkload())
	if err == nil || platform.IsCode(err, platform.CodeUnavailable) || !strings.Contains(err.Error(), "getting a cluster token: no credentials") {
		t.Fatalf("token failure: %v", err)
	}
}
