package codebuild

import (
	"context"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// StopBuild stops a running build; a build that already ended or that
// CodeBuild does not know needs no stop; throttling is retryable.
func TestStopBuild(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		wantErr   bool
		retryable bool
	}{
		{"running", 200, `{"build": {"id": "slipway-images:b1", "buildStatus": "STOPPED"}}`, false, false},
		{"already ended", 400, `{"__type": "InvalidInputException", "message": "Build slipway-images:b1 is not in progress"}`, false, false},
		{"unknown", 400, `{"__type": "ResourceNotFoundException", "message": "Build not found"}`, false, false},
		{"throttled", 400, `{"__type": "ThrottlingException", "message": "Rate exceeded"}`, true, true},
		{"denied", 400, `{"__type": "AccessDeniedException", "message": "not authorized to perform codebuild:StopBuild"}`, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.answer("StopBuild", tc.status, tc.body)
			err := f.builder("").StopBuild(context.Background(), "slipway-images:b1")
			if (err != nil) != tc.wantErr || platform.IsCode(err, platform.CodeUnavailable) != tc.retryable {
				t.Fatalf("err %v, want error %v retryable %v", err, tc.wantErr, tc.retryable)
			}
			reqs := f.taken()
			if len(reqs) != 1 || reqs[0].Operation != "StopBuild" {
				t.Fatalf("requests %+v", reqs)
			}
			assertJSON(t, "StopBuild body", reqs[0].Body, `{"id": "slipway-images:b1"}`)
		})
	}
}
