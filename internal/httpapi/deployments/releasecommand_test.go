package deployments_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// TestPipelineStatusDuringReleaseCommand: while the release command runs,
// the release stage lists it and is at it; once done it completes.
func TestPipelineStatusDuringReleaseCommand(t *testing.T) {
	built := pipelinetest.Built
	built.Processes = map[string]string{"web": "serve", platform.ProcessRelease: "./migrate"}
	f := newFixture(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{built}})
	f.cluster.JobStatuses = []pipeline.JobStatus{pipelinetest.JobBusy, pipelinetest.JobDone}
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.runner.WrapInvoker(func(next stepfn.Invoker) stepfn.Invoker {
		return stepfn.InvokerFunc(func(ctx context.Context, arn string, payload json.RawMessage) (json.RawMessage, error) {
			var probe struct {
				Step string `json:"step"`
			}
			_ = json.Unmarshal(payload, &probe)
			if probe.Step == pipeline.StepCheckReleaseCommand {
				once.Do(func() { close(reached); <-release })
			}
			return next.Invoke(ctx, arn, payload)
		})
	})
	id := f.app(t, "web", false)
	path := "/applications/" + id
	expect(t, f.Do(req{Method: "POST", Path: path + "/deploy", Token: apitest.Admin}), 202)
	<-reached
	during := expect(t, f.Do(req{Method: "GET", Path: path + "/pipeline-status", Token: apitest.Member}), 200)
	rel := during["release"].(map[string]any)
	p := rel["progress"].(map[string]any)
	if rel["status"] != "in_progress" || p["current"] != "release_command" || fmt.Sprint(p["steps"]) != "[snapshot release_command complete]" || during["deploy"] != nil {
		t.Fatalf("status during the release command: %v", during)
	}
	close(release)
	f.runner.Wait()
	after := expect(t, f.Do(req{Method: "GET", Path: path + "/pipeline-status", Token: apitest.Member}), 200)
	if p := after["release"].(map[string]any)["progress"].(map[string]any); p["current"] != "complete" || fmt.Sprint(p["steps"]) != "[snapshot release_command complete]" {
		t.Fatalf("release after the pipeline: %v", p)
	}
}
