package codebuild

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/slipway-paas/slipway/internal/awsconf"
)

// fakeCodeBuild is a protocol-level fake of the CodeBuild API (AWS JSON
// 1.1): it records each request and answers each operation with a canned
// status and body.
type fakeCodeBuild struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []apiRequest
	answers  map[string]answer // by operation
}

type apiRequest struct {
	Operation, ContentType, Authorization string
	Body                                  []byte
}

type answer struct {
	status int
	body   string
}

func newFake(t *testing.T) *fakeCodeBuild {
	f := &fakeCodeBuild{t: t, answers: map[string]answer{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve)) // binds 127.0.0.1
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCodeBuild) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "CodeBuild_20161006.")
	f.mu.Lock()
	f.requests = append(f.requests, apiRequest{Operation: op, ContentType: r.Header.Get("Content-Type"), Authorization: r.Header.Get("Authorization"), Body: body})
	a, known := f.answers[op]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/" || !ok:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"UnknownOperationException"}`)
	case !known:
		f.t.Errorf("unexpected operation %s", op)
		w.WriteHeader(http.StatusInternalServerError)
	default:
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}
}

func (f *fakeCodeBuild) answer(op string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[op] = answer{status, body}
}

func (f *fakeCodeBuild) taken() []apiRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// builder returns a Builder whose client talks to the fake, without retries.
func (f *fakeCodeBuild) builder(buildspec string) Builder {
	cfg := awsconf.FromEnv()
	cfg.Region, cfg.Credentials = "us-east-1", credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	client := NewClient(cfg, f.srv.URL, func(o *cb.Options) { o.RetryMaxAttempts = 1 })
	return Builder{Client: client, Project: "slipway-images", Buildspec: buildspec}
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// assertJSON compares JSON documents, ignoring formatting and key order.
func assertJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	gn, _ := json.Marshal(g)
	wn, _ := json.Marshal(w)
	if string(gn) != string(wn) {
		t.Fatalf("%s:\n got %s\nwant %s", what, gn, wn)
	}
}
