package pipeline_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// emfUnits are the units the EMF specification allows (CloudWatch's
// StandardUnit values).
var emfUnits = map[string]bool{}

func init() {
	for _, u := range []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
		"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
		"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
		"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"} {
		emfUnits[u] = true
	}
}

// checkEMF parses one line and checks it against the EMF specification's
// required structure: a root object with an _aws object holding a numeric
// Timestamp and CloudWatchMetrics; each metric directive with a Namespace,
// Dimensions (an array of dimension sets of at most 30 names) and Metrics
// (at most 100, each with a Name and an optional known Unit); every
// dimension a top-level string member and every metric a top-level number.
func checkEMF(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil || dec.More() {
		t.Fatalf("not one JSON object: %s (%v)", line, err)
	}
	meta, ok := root["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("no _aws object: %s", line)
	}
	for k := range meta {
		if k != "Timestamp" && k != "CloudWatchMetrics" && k != "LogGroupName" {
			t.Errorf("_aws has an unknown member %q", k)
		}
	}
	if ts, err := meta["Timestamp"].(json.Number).Int64(); err != nil || ts <= 0 {
		t.Errorf("_aws.Timestamp %v is not a positive integer of milliseconds", meta["Timestamp"])
	}
	directives, ok := meta["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		t.Fatalf("_aws.CloudWatchMetrics is not a non-empty array: %v", meta["CloudWatchMetrics"])
	}
	for _, d := range directives {
		dir := d.(map[string]any)
		if ns, _ := dir["Namespace"].(string); ns == "" || len(ns) > 255 {
			t.Errorf("namespace %v", dir["Namespace"])
		}
		sets, ok := dir["Dimensions"].([]any)
		if !ok {
			t.Fatalf("Dimensions is not an array: %v", dir["Dimensions"])
		}
		for _, set := range sets {
			names, ok := set.([]any)
			if !ok || len(names) > 30 {
				t.Fatalf("dimension set %v is not an array of at most 30 names", set)
			}
			for _, n := range names {
				if v, ok := root[n.(string)].(string); !ok || v == "" {
					t.Errorf("dimension %v is not a top-level string member", n)
				}
			}
		}
		metrics, ok := dir["Metrics"].([]any)
		if !ok || len(metrics) == 0 || len(metrics) > 100 {
			t.Fatalf("Metrics %v is not an array of 1–100 definitions", dir["Metrics"])
		}
		for _, m := range metrics {
			def := m.(map[string]any)
			name, _ := def["Name"].(string)
			if unit, has := def["Unit"]; has && !emfUnits[fmt.Sprint(unit)] {
				t.Errorf("metric %s: unknown unit %v", name, unit)
			}
			if _, ok := root[name].(json.Number); !ok {
				t.Errorf("metric %q is not a top-level number: %v", name, root[name])
			}
		}
	}
	return root
}

// emfRun drives the pipeline's steps by hand on a virtual clock, capturing
// the EMF lines.
type emfRun struct {
	t     *testing.T
	steps *pipeline.Steps
	clock *stepfn.VirtualClock
	out   bytes.Buffer
	run   pipeline.Run
	app   platform.Application
}

func newEMFRun(t *testing.T, b *pipelinetest.Builder, c *pipelinetest.Cluster) *emfRun {
	t.Helper()
	env := storetest.New(t)
	e := &emfRun{t: t, clock: stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))}
	ids := &platform.IDGenerator{Now: e.clock.Now}
	e.steps = &pipeline.Steps{Store: env.Store, Builder: b, Cluster: c, Now: e.clock.Now, IDs: ids, PollSeconds: 5, Metrics: &e.out}
	repo, branch := "acme/web", "main"
	e.app = platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	e.app.GithubRepository, e.app.AutoDeployBranch = &repo, &branch
	ctx := context.Background()
	must(t, env.Store.CreateProject(ctx, platform.Project{ID: e.app.ProjectID, OrganizationSlug: "acme", Slug: "shop", Name: "Shop"}))
	must(t, env.Store.CreateApplication(ctx, e.app))
	e.run = pipeline.Run{ApplicationID: e.app.ID, ImageID: ids.NewID()}
	_, err := env.Store.UpdateApplicationRecords(ctx, e.app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		_, w, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual}, e.run.ImageID, e.clock.Now())
		return w, err
	})
	must(t, err)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// step runs one step after the clock moved by after; a step's error is
// caught as the state machine would, in run.Failure.
func (e *emfRun) step(name string, after time.Duration) {
	e.t.Helper()
	e.clock.Advance(after)
	payload, _ := json.Marshal(pipeline.Invocation{Step: name, Run: e.run})
	out, err := e.steps.Handle(context.Background(), payload)
	if err != nil {
		e.run.Failure = &pipeline.Failure{Error: fmt.Sprintf("%T", err), Cause: err.Error()}
		return
	}
	must(e.t, json.Unmarshal(out, &e.run))
}

func (e *emfRun) lines() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(e.out.Bytes()))
	for sc.Scan() {
		out = append(out, checkEMF(e.t, sc.Bytes()))
	}
	if !bytes.HasSuffix(e.out.Bytes(), []byte("\n")) && e.out.Len() > 0 {
		e.t.Fatal("the last line is not newline-terminated")
	}
	return out
}

func TestEMFLines(t *testing.T) {
	built := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}
	brokenBuild := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{{Phase: pipeline.BuildFailed, Reason: "npm ci exited 1"}}}
	rolledOut := &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}
	crashing := &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{{Failed: true, Reason: "CrashLoopBackOff"}}}
	type want struct {
		stage, outcome string
		secs           float64
	}
	for _, tc := range []struct {
		name    string
		builder *pipelinetest.Builder
		cluster *pipelinetest.Cluster
		steps   []string // "step@seconds after the previous one"
		want    []want
	}{
		{"a successful pipeline: one line per stage; retried steps add none", built, rolledOut,
			[]string{"start_build@0", "check_build@90.5", "check_build@1", "create_release@2", "deploy@1", "deploy@1", "check_rollout@40", "finish@0", "finish@1"},
			[]want{{"build", "success", 90.5}, {"release", "success", 1}, {"deploy", "success", 41}}},
		{"a failed build: one error line for the build", brokenBuild, rolledOut,
			[]string{"start_build@0", "check_build@30", "mark_failed@0.25", "mark_failed@5"},
			[]want{{"build", "error", 30.25}}},
		{"a failed rollout: build and release succeed, the deploy fails", built, crashing,
			[]string{"start_build@0", "check_build@60", "create_release@1", "deploy@1", "check_rollout@20", "mark_failed@0"},
			[]want{{"build", "success", 60}, {"release", "success", 1}, {"deploy", "error", 20}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEMFRun(t, tc.builder, tc.cluster)
			for _, s := range tc.steps {
				name, after, _ := strings.Cut(s, "@")
				secs, err := strconv.ParseFloat(after, 64)
				if err != nil {
					t.Fatal(err)
				}
				e.step(name, time.Duration(secs*float64(time.Second)))
			}
			lines := e.lines()
			if len(lines) != len(tc.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tc.want), e.out.String())
			}
			for i, w := range tc.want {
				l := lines[i]
				ok := w.outcome == "success"
				if l["Stage"] != w.stage || l["Outcome"] != w.outcome || l["DurationSeconds"] != json.Number(fmt.Sprint(w.secs)) ||
					l["Successes"] != json.Number(map[bool]string{true: "1", false: "0"}[ok]) ||
					l["Failures"] != json.Number(map[bool]string{true: "0", false: "1"}[ok]) {
					t.Errorf("line %d: %v, want %+v", i, l, w)
				}
				if l["application_id"] != e.app.ID || l["image_id"] != e.run.ImageID || l["organization"] != "acme" {
					t.Errorf("line %d ids: %v", i, l)
				}
				if w.stage != "build" && l["release_id"] != e.run.ReleaseID {
					t.Errorf("line %d: release_id %v, want %s", i, l["release_id"], e.run.ReleaseID)
				}
				if (w.stage == "deploy") != (l["deployment_id"] == e.run.DeploymentID && e.run.DeploymentID != "") {
					t.Errorf("line %d: deployment_id %v (run's %q)", i, l["deployment_id"], e.run.DeploymentID)
				}
				meta := l["_aws"].(map[string]any)
				dir := meta["CloudWatchMetrics"].([]any)[0].(map[string]any)
				if dir["Namespace"] != pipeline.MetricsNamespace || fmt.Sprint(dir["Dimensions"]) != "[[Stage] [Stage Outcome]]" {
					t.Errorf("directive %v", dir)
				}
			}
		})
	}
}

// A writer that fails never fails a step: the metrics are best effort.
func TestEMFWriteFailureIsNotAStepFailure(t *testing.T) {
	e := newEMFRun(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}})
	e.steps.Metrics = failingWriter{}
	for _, s := range []string{"start_build", "check_build", "create_release", "deploy", "check_rollout", "finish"} {
		e.step(s, time.Second)
	}
	if e.run.Failure != nil || !e.run.RolloutDone {
		t.Fatalf("run %+v", e.run)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

// TestMetricsLevelPassesTheLambdaFilter: an EMF line carries the lowest
// level the function logs at, so Lambda's filter (set from the same
// LOG_LEVEL) never drops it; without a level it would count as INFO.
func TestMetricsLevelPassesTheLambdaFilter(t *testing.T) {
	defer slog.SetDefault(slog.Default())
	for _, tc := range []struct {
		level slog.Level
		want  string
	}{{slog.LevelDebug, "DEBUG"}, {slog.LevelInfo, "INFO"}, {slog.LevelWarn, "WARN"}, {slog.LevelError, "ERROR"}} {
		slog.SetDefault(slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: tc.level})))
		var buf bytes.Buffer
		s := &pipeline.Steps{Metrics: &buf}
		pipeline.WriteTestMetric(s)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%v: %q", err, buf.String())
		}
		if line["level"] != tc.want {
			t.Errorf("LOG_LEVEL %v: level %v, want %s", tc.level, line["level"], tc.want)
		}
	}
}
