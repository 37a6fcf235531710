package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/sim/simtest"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// pipelineLog records the simulators' and the pipeline's lines (sim.LogSink).
type pipelineLog struct {
	mu        sync.Mutex
	lines     []string // "<pipeline id> <stage> <message>", "runtime v<release> <process>.<n>: <message>"
	instances simtest.Instances
}

func (l *pipelineLog) Pipeline(_, pipelineID, stage string, _ time.Time, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, pipelineID+" "+stage+" "+msg)
}

func (l *pipelineLog) Runtime(_, process, instance string, release int64, _ time.Time, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("runtime v%d %s: %s", release, l.instances.Name(release, process, instance), msg))
}

// take returns every line so far and forgets them.
func (l *pipelineLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// of is the pipeline's lines of one stage.
func (l *pipelineLog) of(pipelineID, stage string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if rest, ok := strings.CutPrefix(line, pipelineID+" "+stage+" "); ok {
			out = append(out, rest)
		}
	}
	return strings.Join(out, "\n")
}

func releaseSimConfig(t testing.TB, release, fail string) sim.Config {
	t.Helper()
	env := map[string]string{sim.EnvReleaseCommand: release, sim.EnvFailReleaseCommand: fail}
	cfg, err := sim.ParseConfig(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestLocalReleaseCommand runs the release phase on the local system: an
// image without a release process skips it, one with it runs the job
// (2 s of simulated time) before the rollout and logs its output to the
// pipeline's release stage, and a failing one fails the release with its
// exit code while the live release keeps serving.
func TestLocalReleaseCommand(t *testing.T) {
	cfg := releaseSimConfig(t, "repo=acme/migrating", "repo=acme/broken-migration")
	logs := &pipelineLog{}
	cfg.Logs = logs
	c, stack, clock := startStack(t, &cfg)
	deploy := func(id string) (string, time.Duration, map[string]any) {
		start := clock.Now()
		status, body := c.do("POST", "/applications/"+id+"/deploy", "")
		if status != 202 {
			t.Fatalf("deploy: %d %v", status, body)
		}
		stack.Runner.Wait()
		_, ps := c.do("GET", "/applications/"+id+"/pipeline-status", "")
		return body["pipeline_id"].(string), clock.Now().Sub(start), ps
	}
	steps := func(ps map[string]any) string {
		return fmt.Sprint(ps["release"].(map[string]any)["progress"].(map[string]any)["steps"])
	}

	plain := newApp(t, c, "plain")
	pid, without, ps := deploy(plain)
	if steps(ps) != "[snapshot complete]" || strings.Contains(logs.of(pid, "release"), "Running the") {
		t.Fatalf("no release process: steps %s, log %q", steps(ps), logs.of(pid, "release"))
	}

	migrating := newApp(t, c, "migrating")
	pid, with, ps := deploy(migrating)
	rel := ps["release"].(map[string]any)
	if steps(ps) != "[snapshot release_command complete]" || rel["status"] != "complete" || ps["deploy"].(map[string]any)["status"] != "complete" {
		t.Fatalf("release command: %v", ps)
	}
	if log := logs.of(pid, "release"); !strings.Contains(log, "Running the release command of release v1: "+sim.ReleaseCommand) || !strings.Contains(log, "migrated") {
		t.Fatalf("release log %q", log)
	}
	if added := with - without; added != sim.DefaultJobDuration {
		t.Fatalf("the release command added %s of simulated time (%s → %s), want %s", added, without, with, sim.DefaultJobDuration)
	}

	// v1 serves; v2's migration fails.
	shop := newApp(t, c, "shop")
	deploy(shop)
	if status, body := c.do("PATCH", "/applications/"+shop+"/settings", `{"github_repository":"acme/broken-migration"}`); status != 200 {
		t.Fatalf("settings: %d %v", status, body)
	}
	pid, _, ps = deploy(shop)
	rel, dep := ps["release"].(map[string]any), ps["deploy"].(map[string]any)
	if rel["status"] != "error" || rel["error_detail"] != "release command failed: exit code 1" || rel["version"] != 2.0 ||
		rel["progress"].(map[string]any)["current"] != "error" || ps["pipeline_active"] != false {
		t.Fatalf("failed release: %v", rel)
	}
	if dep["version"] != 1.0 || dep["status"] != "complete" {
		t.Fatalf("the rollout started: %v", dep)
	}
	if log := logs.of(pid, "release"); !strings.Contains(log, "PG::UniqueViolation") || !strings.Contains(log, "exited with code 1") {
		t.Fatalf("failed release log %q", log)
	}
	if logs.of(pid, "deploy") != "" {
		t.Fatalf("the failed release was rolled out: %q", logs.of(pid, "deploy"))
	}
	// The pipeline log route shows the job's output (copied by the
	// pipeline, as in AWS), once each line, its error last.
	msgs, _ := readPipelineLog(t, c, shop, pid, "release")
	joined := strings.Join(msgs, "\n")
	unique, exited := strings.Index(joined, "PG::UniqueViolation"), strings.Index(joined, "exited with code 1")
	if unique < 0 || exited < unique || strings.Count(joined, "PG::UniqueViolation") != 1 || strings.Count(joined, "Running the release command") != 1 {
		t.Fatalf("release log through the route:\n%s", joined)
	}
}

// TestLocalCancelDuringReleaseCommand cancels while a release command the
// simulator would run for an hour runs (the executor held at its second
// poll, on the virtual clock): its job is deleted, the release ends
// canceled, nothing rolls out, and the application is free.
func TestLocalCancelDuringReleaseCommand(t *testing.T) {
	cfg := releaseSimConfig(t, "all", "")
	cfg.JobDuration = time.Hour
	logs := &pipelineLog{}
	cfg.Logs = logs
	c, stack, _ := startStack(t, &cfg)
	reached, release := make(chan struct{}), make(chan struct{})
	var polls int
	var once sync.Once
	stack.Runner.WrapInvoker(func(next stepfn.Invoker) stepfn.Invoker {
		return stepfn.InvokerFunc(func(ctx context.Context, arn string, payload json.RawMessage) (json.RawMessage, error) {
			if strings.Contains(string(payload), `"step":"check_release_command"`) {
				if polls++; polls == 2 {
					once.Do(func() { close(reached) })
					select {
					case <-release:
					case <-ctx.Done():
						return nil, ctx.Err()
					}
				}
			}
			return next.Invoke(ctx, arn, payload)
		})
	})
	defer close(release)
	id := newApp(t, c, "web")
	_, started := c.do("POST", "/applications/"+id+"/deploy", "")
	pid := started["pipeline_id"].(string)
	<-reached
	_, ps := c.do("GET", "/applications/"+id+"/pipeline-status", "")
	if p := ps["release"].(map[string]any)["progress"].(map[string]any); p["current"] != "release_command" {
		t.Fatalf("release progress while the job runs: %v", p)
	}
	if status, body := c.do("POST", "/applications/"+id+"/pipelines/"+pid+"/cancel", `{}`); status != 202 {
		t.Fatalf("cancel: %d %v", status, body)
	}
	stack.Runner.Wait()
	_, ps = c.do("GET", "/applications/"+id+"/pipeline-status", "")
	rel := ps["release"].(map[string]any)
	if rel["status"] != "canceled" || rel["error_detail"] != "canceled by dev" || ps["deploy"] != nil || ps["pipeline_active"] != false {
		t.Fatalf("pipeline status %v", ps)
	}
	if log := logs.of(pid, "release"); !strings.Contains(log, "Running the release command of release v1: "+sim.ReleaseCommand) {
		t.Fatalf("release log %q", log)
	}
}

// BenchmarkLocalPipelineReleaseCommand measures one Full Deploy on the
// local system (virtual clock, default simulator durations, 1 s polls)
// without and with a release command: ns/op is the wall time the executor,
// steps and embedded DynamoDB spend; sim-s/pipeline the simulated
// duration a user waits.
func BenchmarkLocalPipelineReleaseCommand(b *testing.B) {
	for _, mode := range []string{"off", "on"} {
		b.Run(mode, func(b *testing.B) {
			cfg := releaseSimConfig(b, map[string]string{"off": "", "on": "all"}[mode], "")
			clock := testClock()
			c, stack := startBench(b, devstack.Options{Clock: clock, Simulators: &cfg}, http.DefaultClient)
			id := c.newApp()
			c.must("PATCH", "/applications/"+id+"/settings", `{"github_repository":"acme/web","auto_deploy_branch":"main"}`)
			var simulated []time.Duration
			b.ResetTimer()
			for range b.N {
				start := clock.Now()
				c.must("POST", "/applications/"+id+"/deploy", "")
				stack.Runner.Wait()
				simulated = append(simulated, clock.Now().Sub(start))
			}
			b.StopTimer()
			slices.Sort(simulated)
			b.ReportMetric(simulated[len(simulated)/2].Seconds(), "sim-s/pipeline")
			if ps := c.must("GET", "/applications/"+id+"/pipeline-status", ""); !strings.Contains(ps, `"pipeline_active":false`) || strings.Contains(ps, `"error"`) {
				b.Fatalf("pipeline status %s", ps)
			}
		})
	}
}
