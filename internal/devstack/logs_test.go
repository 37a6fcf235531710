package devstack_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/sim"
)

// readPipelineLog reads every page of a pipeline's log (optionally one
// stage) and returns its messages and whether the last page was complete.
func readPipelineLog(t *testing.T, c client, appID, pipelineID, stage string) ([]string, bool) {
	t.Helper()
	var msgs []string
	cursor := ""
	for range 50 {
		q := url.Values{}
		if stage != "" {
			q.Set("stage", stage)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		status, body := c.do("GET", "/applications/"+appID+"/pipelines/"+pipelineID+"/logs?"+q.Encode(), "")
		if status != 200 {
			t.Fatalf("logs: %d %v", status, body)
		}
		lines := body["lines"].([]any)
		for _, l := range lines {
			line := l.(map[string]any)
			if stage != "" && line["stage"] != stage {
				t.Fatalf("stage %s answered a %v line", stage, line["stage"])
			}
			msgs = append(msgs, fmt.Sprint(line["stage"], ": ", line["message"]))
		}
		cursor = body["next_cursor"].(string)
		if body["complete"] == true || len(lines) == 0 {
			return msgs, body["complete"] == true
		}
	}
	t.Fatal("the log never ended")
	return nil, false
}

func TestLocalPipelineLogs(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.FailBuilds, _ = sim.ParseFailRules("repo=acme/broken")
	cfg.CrashLoop, _ = sim.ParseCrashRules("crashy")
	c, stack, _ := startStack(t, &cfg)
	for _, tc := range []struct {
		slug string
		want []string // in order
	}{
		{"shop", []string{"build: Cloning acme/shop at main", "build: Step 1/8", "build: Successfully built", "release: Created release v1 of image v1",
			"deploy: Rolling out release v1", "deploy: Applied release v1", "Scheduled", "Ready", "rollout of release v1 complete", "deploy: Rollout complete: 1 of 1 pods ready"}},
		{"broken", []string{"build: Cloning", "build: ERROR: simulated build failure: builds of repository acme/broken fail"}},
		{"crashy", []string{"build: Successfully built", "deploy: Rolling out", "[web]: panic:", "CrashLoopBackOff", "deploy: Rollout failed: simulated crash loop"}},
	} {
		t.Run(tc.slug, func(t *testing.T) {
			id := newApp(t, c, tc.slug)
			status, started := c.do("POST", "/applications/"+id+"/deploy", "")
			if status != 202 {
				t.Fatalf("deploy: %d %v", status, started)
			}
			pipelineID := started["pipeline_id"].(string)
			stack.Runner.Wait()
			msgs, complete := readPipelineLog(t, c, id, pipelineID, "")
			if !complete {
				t.Fatal("an ended pipeline's log is not complete")
			}
			all := strings.Join(msgs, "\n")
			at := 0
			for _, want := range tc.want {
				i := strings.Index(all[at:], want)
				if i < 0 {
					t.Fatalf("log lacks %q after %d:\n%s", want, at, all)
				}
				at += i
			}
			build, _ := readPipelineLog(t, c, id, pipelineID, "build")
			if len(build) == 0 || len(build) >= len(msgs) && tc.slug != "broken" {
				t.Fatalf("stage filter: %d of %d lines", len(build), len(msgs))
			}
			// Pipeline Status links each stage to its log.
			_, ps := c.do("GET", "/applications/"+id+"/pipeline-status", "")
			b := ps["build"].(map[string]any)
			if want := "/applications/" + id + "/pipelines/" + pipelineID + "/logs?stage=build"; b["logs"] != want {
				t.Fatalf("build logs link %v, want %s", b["logs"], want)
			}
		})
	}
}

func TestLocalLogCursorsAndErrors(t *testing.T) {
	c, stack, _ := startStack(t, nil)
	id := newApp(t, c, "cursors")
	_, started := c.do("POST", "/applications/"+id+"/deploy", "")
	pipelineID := started["pipeline_id"].(string)
	stack.Runner.Wait()
	base := "/applications/" + id + "/pipelines/" + pipelineID + "/logs"
	_, first := c.do("GET", base+"?stage=build", "")
	cursor := first["next_cursor"].(string)
	_, runtime := c.do("GET", "/applications/"+id+"/logs", "")
	for _, tc := range []struct {
		name, path string
		status     int
		field      string
	}{
		{"tampered cursor", base + "?stage=build&cursor=" + url.QueryEscape("x"+cursor), 400, "cursor"},
		{"another stage's cursor", base + "?stage=deploy&cursor=" + url.QueryEscape(cursor), 400, "cursor"},
		{"the runtime log's cursor", base + "?cursor=" + url.QueryEscape(runtime["next_cursor"].(string)), 400, "cursor"},
		{"a pipeline log's cursor on the runtime log", "/applications/" + id + "/logs?cursor=" + url.QueryEscape(cursor), 400, "cursor"},
		{"unknown pipeline", "/applications/" + id + "/pipelines/0190f0c5-0000-7000-8000-000000000009/logs", 404, ""},
		{"not a pipeline id", "/applications/" + id + "/pipelines/nope/logs", 404, ""},
		{"bad stage", base + "?stage=test", 422, "stage"},
		{"wait too long", base + "?wait=21", 422, "wait"},
		{"bad since", "/applications/" + id + "/logs?since=8d", 422, "since"},
		{"bad process", "/applications/" + id + "/logs?process=a%20b", 422, "process"},
		{"the same cursor again", base + "?stage=build&cursor=" + url.QueryEscape(cursor), 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := c.do("GET", tc.path, "")
			if status != tc.status || (tc.field != "" && !strings.Contains(fmt.Sprint(body["errors"]), "field:"+tc.field)) {
				t.Fatalf("%d %v, want %d naming %q", status, body, tc.status, tc.field)
			}
		})
	}
	if lines := runtime["lines"].([]any); len(lines) == 0 {
		t.Fatalf("a running application has no runtime lines: %v", runtime)
	} else if l := lines[0].(map[string]any); l["process"] == "" || l["instance"] == "" || l["release_version"] != float64(1) {
		t.Fatalf("runtime line %v", l)
	}
}

// TestLocalLogsMaskSecrets writes an application's secret values into its
// build and runtime logs and checks that they never come back.
func TestLocalLogsMaskSecrets(t *testing.T) {
	c, stack, clock := startStack(t, nil)
	id := newApp(t, c, "masked")
	secrets := []string{"hunter2-s3cr3t", "tok_9f8e7d6c5b4a"}
	body := fmt.Sprintf(`{"vars":{"DB_PASSWORD":{"value":%q,"secret":true},"API_TOKEN":{"value":%q,"secret":true},"PLAIN":{"value":"visible-plain"}}}`, secrets[0], secrets[1])
	if status, out := c.do("PATCH", "/applications/"+id+"/config", body); status != 200 {
		t.Fatalf("config: %d %v", status, out)
	}
	_, started := c.do("POST", "/applications/"+id+"/deploy", "")
	pipelineID := started["pipeline_id"].(string)
	stack.Runner.Wait()
	// A secret added after the pipeline ran is masked in its log too.
	added := "n3w-added-password"
	if status, out := c.do("PATCH", "/applications/"+id+"/config", fmt.Sprintf(`{"vars":{"OTHER_PASSWORD":{"value":%q,"secret":true}}}`, added)); status != 200 {
		t.Fatalf("add: %d %v", status, out)
	}
	now := clock.Now()
	stack.Logs.Pipeline(id, pipelineID, "deploy", now, "new "+added+" old "+secrets[0])
	secrets = append(secrets, added)
	stack.Logs.Pipeline(id, pipelineID, "build", now, "Step 3/8 : RUN echo "+secrets[0]+" > /etc/pw")
	stack.Logs.Pipeline(id, pipelineID, "build", now, "both "+secrets[1]+secrets[0]+" and visible-plain")
	stack.Logs.Runtime(id, "web", "web-1", 1, now.Add(-time.Second), "connecting with password="+secrets[0])
	msgs, _ := readPipelineLog(t, c, id, pipelineID, "")
	_, rt := c.do("GET", "/applications/"+id+"/logs?since=1h", "")
	for _, l := range rt["lines"].([]any) {
		msgs = append(msgs, fmt.Sprint(l.(map[string]any)["message"]))
	}
	all := strings.Join(msgs, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Fatalf("secret %q came back:\n%s", s, all)
		}
	}
	for _, want := range []string{"RUN echo *** > /etc/pw", "both *** and visible-plain", "password=***", "new *** old ***"} {
		if !strings.Contains(all, want) {
			t.Fatalf("no %q in:\n%s", want, all)
		}
	}
}

// TestLocalCanceledPipelineKeepsItsLog follows a build on the real clock
// with a long poll until its first line, cancels it, and reads the log
// again: kept, ending with the stop, and complete.
func TestLocalCanceledPipelineKeepsItsLog(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.BuildDuration = time.Hour
	stack, err := devstack.Start(context.Background(), devstack.Options{Addr: "127.0.0.1:0", DevToken: "slw_test", Simulators: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	c := client{t: t, base: stack.URL, token: "slw_test"}
	id := newApp(t, c, "stopped")
	_, started := c.do("POST", "/applications/"+id+"/deploy", "")
	pipelineID := started["pipeline_id"].(string)
	base := "/applications/" + id + "/pipelines/" + pipelineID + "/logs"
	// The long poll answers once the build wrote its first line.
	status, first := c.do("GET", base+"?wait=10", "")
	if lines, _ := first["lines"].([]any); status != 200 || len(lines) == 0 || first["complete"] != false {
		t.Fatalf("long poll: %d %v", status, first)
	}
	if status, body := c.do("POST", "/applications/"+id+"/pipelines/"+pipelineID+"/cancel", `{}`); status != 202 {
		t.Fatalf("cancel: %d %v", status, body)
	}
	stack.Runner.Wait()
	msgs, complete := readPipelineLog(t, c, id, pipelineID, "")
	if !complete || !strings.HasPrefix(msgs[0], "build: Cloning acme/stopped") || !strings.Contains(msgs[len(msgs)-1], "Build stopped") {
		t.Fatalf("complete %v, log %q", complete, msgs)
	}
}
