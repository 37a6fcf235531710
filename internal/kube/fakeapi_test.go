package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeAPI is a protocol-level fake of the Kubernetes API server: it checks
// and records every request, keeps created and applied objects (bumping a
// Deployment's generation when its spec changes) and serves Deployment
// status and pods set by the test. It answers as kube-apiserver 1.37 does
// where the kube tests on the real server (package kubetest) measured it:
// a create of an existing object is a 409 AlreadyExists, a patch of a
// missing object a 404, a changed Deployment selector a 422 naming
// spec.selector, and a DELETE with propagationPolicy=Background of an
// object without finalizers answers a v1 Status "Success" (the object only
// comes back when a finalizer keeps it, e.g. with Foreground or Orphan).
type fakeAPI struct {
	t     *testing.T
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	requests []recorded
	objects  map[string]*fakeObject // by item path
	// failures answers "METHOD path" with a status code (and Status body).
	failures map[string]int
	// rawFailures answers "METHOD path" with a status code and a non-Status body.
	rawFailures map[string]string
	// statuses answers "METHOD path" with a Status body as given.
	statuses map[string]fakeStatus
	// pods are what a list of pods answers.
	pods []Pod
	// podLogs are the pods' logs, by the pod's path (…/pods/<name>).
	podLogs map[string]string
}

// fakeStatus is an error answer with the details the real server sends.
type fakeStatus struct {
	code            int
	reason, message string
	causes          []StatusCause
}

type recorded struct {
	Method, Path, ContentType, Authorization string
	Query                                    url.Values
	Body                                     []byte
	// Created is set for a server-side apply that created the object
	// (which Kubernetes authorizes as create as well as patch).
	Created bool
}

type fakeObject struct {
	raw        json.RawMessage
	generation int64
	status     DeploymentStatus
	// job is a Job's status, set by the test (setJobStatus).
	job JobState
}

func newFakeAPI(t *testing.T, token string) *fakeAPI {
	f := &fakeAPI{t: t, token: token, objects: map[string]*fakeObject{}, failures: map[string]int{}, rawFailures: map[string]string{}, statuses: map[string]fakeStatus{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve)) // binds 127.0.0.1
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) cluster(t *testing.T) *Cluster {
	t.Helper()
	k, err := New(Config{Server: f.srv.URL, ClusterName: "test", Token: StaticToken(f.token), HTTPClient: f.srv.Client(), Routing: testRouting})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, recorded{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
		Authorization: r.Header.Get("Authorization"), Query: r.URL.Query(), Body: body})
	key := r.Method + " " + r.URL.Path
	switch {
	case r.Header.Get("Authorization") != "Bearer "+f.token:
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
	case f.failures[key] != 0:
		writeStatus(w, f.failures[key], http.StatusText(f.failures[key]), "injected failure of "+key)
	case f.rawFailures[key] != "":
		http.Error(w, f.rawFailures[key], http.StatusBadGateway)
	case f.statuses[key].code != 0:
		st := f.statuses[key]
		writeStatusCauses(w, st.code, st.reason, st.message, st.causes)
	case r.Method == http.MethodPost:
		f.create(w, r, body)
	case r.Method == http.MethodPatch && r.Header.Get("Content-Type") == contentTypeMerge:
		f.patch(w, r, body)
	case r.Method == http.MethodPatch:
		f.apply(w, r, body)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/log"):
		f.log(w, r)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/pods"):
		_ = json.NewEncoder(w).Encode(PodList{Items: f.pods})
	case r.Method == http.MethodGet && isCollection(r.URL.Path):
		f.list(w, r)
	case r.Method == http.MethodGet:
		f.get(w, r.URL.Path)
	case r.Method == http.MethodDelete:
		f.delete(w, r)
	default:
		writeStatus(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not allowed")
	}
}

func isCollection(path string) bool {
	for _, c := range []string{"/deployments", "/services", "/secrets", "/replicasets", "/jobs", "/ingresses"} {
		if strings.HasSuffix(path, c) {
			return true
		}
	}
	return false
}

// create stores a new object at collection/name, or answers 409.
func (f *fakeAPI) create(w http.ResponseWriter, r *http.Request, body []byte) {
	var meta struct {
		Metadata ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(body, &meta); err != nil || meta.Metadata.Name == "" || r.Header.Get("Content-Type") != contentTypeJSON {
		writeStatus(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("not a JSON object with a name: %v", err))
		return
	}
	path := r.URL.Path + "/" + meta.Metadata.Name
	if f.objects[path] != nil {
		writeStatus(w, http.StatusConflict, "AlreadyExists", fmt.Sprintf("%q already exists", meta.Metadata.Name))
		return
	}
	f.objects[path] = &fakeObject{raw: body, generation: 1}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

// patch merges Scale's strategic-merge patch into a live Deployment; a
// patch never creates, so a missing object (or namespace) is a 404.
func (f *fakeAPI) patch(w http.ResponseWriter, r *http.Request, body []byte) {
	obj := f.objects[r.URL.Path]
	if obj == nil || r.URL.Query().Get("fieldManager") == "" {
		writeStatus(w, http.StatusNotFound, "NotFound", `deployments.apps "`+path.Base(r.URL.Path)+`" not found`)
		return
	}
	merged := mergeScale(f.t, obj.raw, body)
	if specOf(obj.raw) != specOf(merged) {
		obj.generation++
	}
	obj.raw = merged
	w.Header().Set("Content-Type", contentTypeJSON)
	_, _ = w.Write(merged)
}

func (f *fakeAPI) apply(w http.ResponseWriter, r *http.Request, body []byte) {
	q := r.URL.Query()
	if ct := r.Header.Get("Content-Type"); ct != contentTypeApply {
		writeStatus(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "content type "+ct)
		return
	}
	manager := q.Get("fieldManager")
	if manager == "" || q.Get("force") != "true" {
		writeStatus(w, http.StatusBadRequest, "BadRequest", "fieldManager and force=true are required")
		return
	}
	var meta struct {
		Metadata ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(body, &meta); err != nil || !strings.HasSuffix(r.URL.Path, "/"+meta.Metadata.Name) {
		writeStatus(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("body does not name the object of the path: %v", err))
		return
	}
	obj := f.objects[r.URL.Path]
	if obj != nil && strings.Contains(r.URL.Path, "/deployments/") && selectorOf(obj.raw) != selectorOf(body) {
		writeStatusCauses(w, http.StatusUnprocessableEntity, "Invalid", `Deployment.apps "`+meta.Metadata.Name+`" is invalid: spec.selector: Invalid value: field is immutable`,
			[]StatusCause{{Reason: "FieldValueInvalid", Field: "spec.selector"}})
		return
	}
	if obj == nil {
		obj = &fakeObject{}
		f.objects[r.URL.Path] = obj
		f.requests[len(f.requests)-1].Created = true
	}
	if specOf(obj.raw) != specOf(body) {
		obj.generation++
	}
	obj.raw = body
	w.Header().Set("Content-Type", contentTypeJSON)
	_, _ = w.Write(body)
}

// mergeScale does what server-side apply does with the scale manager's
// partial Deployment: replicas and container resources replace the live ones.
func mergeScale(t *testing.T, live, partial []byte) []byte {
	var d, p Deployment
	if err := json.Unmarshal(live, &d); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(partial, &p); err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = p.Spec.Replicas
	for _, pc := range p.Spec.Template.Spec.Containers {
		for i, c := range d.Spec.Template.Spec.Containers {
			if c.Name == pc.Name {
				d.Spec.Template.Spec.Containers[i].Resources = pc.Resources
			}
		}
	}
	merged, _ := json.Marshal(d)
	return merged
}

func selectorOf(raw []byte) string {
	var o struct {
		Spec struct {
			Selector json.RawMessage `json:"selector"`
		} `json:"spec"`
	}
	_ = json.Unmarshal(raw, &o)
	return string(o.Spec.Selector)
}

func specOf(raw []byte) string {
	var o struct {
		Spec json.RawMessage `json:"spec"`
	}
	_ = json.Unmarshal(raw, &o)
	return string(o.Spec)
}

func (f *fakeAPI) get(w http.ResponseWriter, path string) {
	obj := f.objects[path]
	if obj == nil {
		writeStatus(w, http.StatusNotFound, "NotFound", `deployments.apps "`+path[strings.LastIndex(path, "/")+1:]+`" not found`)
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	if strings.Contains(path, "/jobs/") {
		var j Job
		_ = json.Unmarshal(obj.raw, &j)
		j.Metadata.Generation, j.Status = obj.generation, obj.job
		_ = json.NewEncoder(w).Encode(j)
		return
	}
	if !strings.Contains(path, "/deployments/") { // served as stored (an Ingress with the status a test seeded)
		_, _ = w.Write(obj.raw)
		return
	}
	var d Deployment
	_ = json.Unmarshal(obj.raw, &d)
	d.Metadata.Generation, d.Status = obj.generation, obj.status
	_ = json.NewEncoder(w).Encode(d)
}

// log answers a pod's log as text, cut at limitBytes; a pod without a
// log is not found.
func (f *fakeAPI) log(w http.ResponseWriter, r *http.Request) {
	text, ok := f.podLogs[strings.TrimSuffix(r.URL.Path, "/log")]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", `pods "`+path.Base(path.Dir(r.URL.Path))+`" not found`)
		return
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("limitBytes")); err == nil && n < len(text) {
		text = text[:n]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, text)
}

// setJobStatus sets a Job's status.
func (f *fakeAPI) setJobStatus(path string, s JobState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[path].job = s
}

func (f *fakeAPI) list(w http.ResponseWriter, r *http.Request) {
	want := map[string]string{}
	for _, pair := range strings.Split(r.URL.Query().Get("labelSelector"), ",") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			want[k] = v
		}
	}
	items := []json.RawMessage{}
	for _, path := range slices.Sorted(maps.Keys(f.objects)) {
		if !strings.HasPrefix(path, r.URL.Path+"/") {
			continue
		}
		var o struct {
			Metadata ObjectMeta `json:"metadata"`
		}
		_ = json.Unmarshal(f.objects[path].raw, &o)
		if labelsMatch(o.Metadata.Labels, want) {
			items = append(items, f.objects[path].raw)
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
}

func labelsMatch(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func (f *fakeAPI) delete(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("propagationPolicy") != "Background" {
		writeStatus(w, http.StatusBadRequest, "BadRequest", "want propagationPolicy=Background")
		return
	}
	obj := f.objects[r.URL.Path]
	if obj == nil {
		writeStatus(w, http.StatusNotFound, "NotFound", "not found")
		return
	}
	delete(f.objects, r.URL.Path)
	var meta struct {
		Metadata ObjectMeta `json:"metadata"`
	}
	_ = json.Unmarshal(obj.raw, &meta)
	segs := strings.Split(r.URL.Path, "/")
	w.Header().Set("Content-Type", contentTypeJSON)
	// The real server answers a Background DELETE of an object it removes at once
	// with a Status, not the object.
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{}, "status": "Success",
		"details": map[string]any{"name": meta.Metadata.Name, "kind": segs[len(segs)-2]}})
}

func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	writeStatusCauses(w, code, reason, message, nil)
}

func writeStatusCauses(w http.ResponseWriter, code int, reason, message string, causes []StatusCause) {
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(code)
	st := map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason, "code": code}
	if causes != nil {
		st["details"] = map[string]any{"causes": causes}
	}
	_ = json.NewEncoder(w).Encode(st)
}

// seed stores an object as if applied earlier.
func (f *fakeAPI) seed(path string, obj any) {
	raw, _ := json.Marshal(obj)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[path] = &fakeObject{raw: raw, generation: 1}
}

// seedNamespace stores the namespace and its RoleBindings as if an earlier
// Apply had created them.
func (f *fakeAPI) seedNamespace(ns string) {
	f.seed(namespacesPath+"/"+ns, Namespace{APIVersion: "v1", Kind: "Namespace", Metadata: ObjectMeta{Name: ns}})
	for _, g := range []string{PipelineGroup, ScaleGroup} {
		f.seed(roleBindingsPath(ns)+"/"+g, roleBinding(ns, g))
	}
}

// setStatus sets a Deployment's status; observedLag makes the observed
// generation that much older than the generation.
func (f *fakeAPI) setStatus(path string, s DeploymentStatus, observedLag int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	obj := f.objects[path]
	s.ObservedGeneration = obj.generation - observedLag
	obj.status = s
}

func (f *fakeAPI) generation(path string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.objects[path].generation
}

func (f *fakeAPI) setToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = token
}

func (f *fakeAPI) take() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

func (f *fakeAPI) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.objects))
}

func (f *fakeAPI) object(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objects[path] == nil {
		return nil
	}
	return bytes.Clone(f.objects[path].raw)
}
