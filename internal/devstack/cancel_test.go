package devstack_test

import (
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/sim"
)

// TestLocalCancelFreesTheApplication cancels a local build on the real
// clock (a build the simulator would run for an hour): the executor stops
// the execution, the image ends canceled, the application is free for the
// next deploy at once, and a second cancel is a 409. It reports the time
// from the cancel request to the ended execution.
func TestLocalCancelFreesTheApplication(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.BuildDuration = time.Hour
	c, stack := startStackWith(t, devstack.Options{Simulators: &cfg})
	id := newApp(t, c, "web")
	status, started := c.do("POST", "/applications/"+id+"/deploy", "")
	if status != 202 || started["pipeline_id"] != started["image_id"] {
		t.Fatalf("deploy: %d %v", status, started)
	}
	pipelineID := started["pipeline_id"].(string)
	begin := time.Now()
	if status, body := c.do("POST", "/applications/"+id+"/pipelines/"+pipelineID+"/cancel", `{}`); status != 202 {
		t.Fatalf("cancel: %d %v", status, body)
	}
	stack.Runner.Wait()
	took := time.Since(begin)
	t.Logf("cancel → free application: %v", took)
	if took > 2*time.Second {
		t.Fatalf("the application was freed %v after the cancel, want within seconds", took)
	}
	_, ps := c.do("GET", "/applications/"+id+"/pipeline-status", "")
	build := ps["build"].(map[string]any)
	if ps["pipeline_active"] != false || build["status"] != "canceled" || build["error_detail"] != "canceled by dev" || ps["kind"] != "build" {
		t.Fatalf("pipeline status %v", ps)
	}
	if status, body := c.do("POST", "/applications/"+id+"/pipelines/"+pipelineID+"/cancel", `{}`); status != 409 {
		t.Fatalf("second cancel: %d %v", status, body)
	}
	if status, body := c.do("POST", "/applications/"+id+"/deploy", ""); status != 202 {
		t.Fatalf("the next deploy: %d %v", status, body)
	}
}
