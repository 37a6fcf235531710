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
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeAPI is a protocol-level fake of the Kubernetes API server: it checks
// and records every request, keeps applied objects (bumping a Deployment's
// generation when its spec changes) and serves Deployment status set by
// the test.
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
}

type recorded struct {
	Method, Path, ContentType, Authorization string
	Query                                    url.Values
	Body                                     []byte
}

type fakeObject struct {
	raw        json.RawMessage
	generation int64
	status     DeploymentStatus
}

func newFakeAPI(t *testing.T, token string) *fakeAPI {
	f := &fakeAPI{t: t, token: token, objects: map[string]*fakeObject{}, failures: map[string]int{}, rawFailures: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve)) // binds 127.0.0.1
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) cluster(t *testing.T) *Cluster {
	t.Helper()
	k, err := New(Config{Server: f.srv.URL, ClusterName: "test", Token: StaticToken(f.token), HTTPClient: f.srv.Client()})
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
	case r.Method == http.MethodPatch:
		f.apply(w, r, body)
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
	return strings.HasSuffix(path, "/deployments") || strings.HasSuffix(path, "/services")
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
	if manager == ScaleFieldManager {
		if obj == nil {
			writeStatus(w, http.StatusUnprocessableEntity, "Invalid", `Deployment.apps "`+meta.Metadata.Name+`" is invalid: spec.selector: Required value`)
			return
		}
		body = mergeScale(f.t, obj.raw, body)
	}
	if obj == nil {
		obj = &fakeObject{}
		f.objects[r.URL.Path] = obj
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
	var d Deployment
	_ = json.Unmarshal(obj.raw, &d)
	d.Metadata.Generation, d.Status = obj.generation, obj.status
	w.Header().Set("Content-Type", contentTypeJSON)
	_ = json.NewEncoder(w).Encode(d)
}

func (f *fakeAPI) list(w http.ResponseWriter, r *http.Request) {
	want := map[string]string{}
	for _, pair := range strings.Split(r.URL.Query().Get("labelSelector"), ",") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			want[k] = v
		}
	}
	var list ObjectList
	for _, path := range slices.Sorted(maps.Keys(f.objects)) {
		if !strings.HasPrefix(path, r.URL.Path+"/") {
			continue
		}
		var o struct {
			Metadata ObjectMeta `json:"metadata"`
		}
		_ = json.Unmarshal(f.objects[path].raw, &o)
		if labelsMatch(o.Metadata.Labels, want) {
			list.Items = append(list.Items, o)
		}
	}
	_ = json.NewEncoder(w).Encode(list)
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
	if f.objects[r.URL.Path] == nil {
		writeStatus(w, http.StatusNotFound, "NotFound", "not found")
		return
	}
	delete(f.objects, r.URL.Path)
	writeStatus(w, http.StatusOK, "", "deleted")
}

func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure",
		"message": message, "reason": reason, "code": code})
}

// seed stores an object as if applied earlier.
func (f *fakeAPI) seed(path string, obj any) {
	raw, _ := json.Marshal(obj)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[path] = &fakeObject{raw: raw, generation: 1}
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
	return bytes.Clone(f.objects[path].raw)
}
