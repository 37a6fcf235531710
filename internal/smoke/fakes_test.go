//go:build linux

package smoke

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// The build the CodeBuild fake reports as succeeded: what the buildspec
// exports (infra/buildspec.yml) — image, commit and the Procfile's
// processes, base64 JSON.
const (
	fakeImageURI  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway-apps@sha256:abababababababababababababababababababababababababababababababab"
	fakeCommitSHA = "9f2c1d7e4b8a3f60c5d1e2f3a4b5c6d7e8f90a1b"
	fakeProcesses = "eyJyZWxlYXNlIjoiLi9iaW4vbWlncmF0ZSIsIndlYiI6Imd1bmljb3JuIGFwcDphcHAgLWIgMC4wLjAuMDokUE9SVCIsIndvcmtlciI6Ii4vYmluL3dvcmtlciJ9"
)

// codeBuild is a wire-level fake of the CodeBuild API (AWS JSON 1.1, epoch
// timestamps as CodeBuild sends them): StartBuild starts "<project>:<image
// id>", BatchGetBuilds reports any build as succeeded with the buildspec's
// exports. It records every request the function sent.
type codeBuild struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []codeBuildRequest
}

// codeBuildRequest is one request the fake received.
type codeBuildRequest struct {
	Operation string
	Signed    bool // SigV4 Authorization header
	Body      map[string]any
}

func startCodeBuild(stop *stopper) *codeBuild {
	f := &codeBuild{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve)) // 127.0.0.1
	stop.add("CodeBuild fake", f.srv.Close)
	return f
}

func (f *codeBuild) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "CodeBuild_20161006.")
	req := codeBuildRequest{Operation: op, Signed: strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")}
	_ = json.Unmarshal(raw, &req.Body)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()

	now := float64(time.Now().Unix())
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "StartBuild":
		project, _ := req.Body["projectName"].(string)
		token, _ := req.Body["idempotencyToken"].(string)
		writeJSON(w, map[string]any{"build": map[string]any{
			"id": project + ":" + token, "projectName": project, "buildStatus": "IN_PROGRESS",
			"currentPhase": "QUEUED", "startTime": now, "buildComplete": false,
		}})
	case "BatchGetBuilds":
		ids, _ := req.Body["ids"].([]any)
		builds := []any{}
		for _, id := range ids {
			builds = append(builds, map[string]any{
				"id": id, "buildStatus": "SUCCEEDED", "currentPhase": "COMPLETED", "buildComplete": true,
				"startTime": now - 60, "endTime": now, "resolvedSourceVersion": fakeCommitSHA,
				"exportedEnvironmentVariables": []any{
					map[string]any{"name": "SLIPWAY_IMAGE_URI", "value": fakeImageURI},
					map[string]any{"name": "SLIPWAY_COMMIT_SHA", "value": fakeCommitSHA},
					map[string]any{"name": "SLIPWAY_PROCESSES", "value": fakeProcesses},
				},
			})
		}
		writeJSON(w, map[string]any{"builds": builds, "buildsNotFound": []any{}})
	default:
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"__type": "UnknownOperationException", "message": "the smoke fake does not answer " + op})
	}
}

func writeJSON(w io.Writer, v any) { _ = json.NewEncoder(w).Encode(v) }

// take returns the requests received since the last call.
func (f *codeBuild) take() []codeBuildRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}
