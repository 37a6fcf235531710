package pipeline_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
)

// stageLines is a pipeline.LogWriter that keeps "<stage> <message>".
type stageLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *stageLines) Pipeline(_, _, stage string, _ time.Time, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, stage+" "+msg)
}

// of is the messages of one stage, in order.
func (l *stageLines) of(stage string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if msg, ok := strings.CutPrefix(line, stage+" "); ok {
			out = append(out, msg)
		}
	}
	return out
}

// TestJobOutputIsBoundedPerPoll: a poll copies at most
// JobLogLinesPerPoll lines; a running job's others come at the next poll,
// an ended job's tail is copied after a line counting what was left out.
func TestJobOutputIsBoundedPerPoll(t *testing.T) {
	n := pipeline.JobLogLinesPerPoll
	many := make([]string, 2*n+10)
	for i := range many {
		many[i] = fmt.Sprint("line ", i)
	}
	for _, tc := range []struct {
		name string
		jobs []pipeline.JobStatus
		want []string
	}{
		{"running", []pipeline.JobStatus{pipelinetest.JobBusy, pipelinetest.JobBusy, pipelinetest.JobBusy, pipelinetest.JobDone}, many},
		{"ended", []pipeline.JobStatus{{Phase: pipeline.JobFailed, ExitCode: 1}},
			append([]string{fmt.Sprintf("(%d lines of the release command's output left out: the cluster's logs have them)", n+10)}, many[n+10:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := releaseHarness(t, migrate, tc.jobs...)
			h.cluster.JobOutputs = [][]string{many}
			logs := &stageLines{}
			h.steps.Logs = logs
			h.deploy()
			got := logs.of(platform.LogStageRelease)[1:] // after "Created release v1 …"
			if !slices.Equal(got, tc.want) {
				t.Fatalf("release log: %d lines, first %q last %q; want %d", len(got), got[0], got[len(got)-1], len(tc.want))
			}
		})
	}
}

// TestJobOutputReachesThePipelineLog: at each poll of a release (or
// postdeploy) job the pipeline copies the job's new output lines into its
// release (deploy) log, in order and once each, the failing job's last
// lines included; a poll whose output cannot be read neither fails the
// pipeline nor loses the lines (the next poll copies them).
func TestJobOutputReachesThePipelineLog(t *testing.T) {
	out := []string{"Running the migration", "== CreateOrders: migrating", "PG::UniqueViolation", "exited with code 1"}
	for _, tc := range []struct {
		name    string
		extra   map[string]string
		jobs    []pipeline.JobStatus
		outputs [][]string
		errs    []error
		stage   string
		want    []string
		detail  string
	}{
		{"release fails", migrate, []pipeline.JobStatus{pipelinetest.JobBusy, pipelinetest.JobBusy, {Phase: pipeline.JobFailed, ExitCode: 1}},
			[][]string{out[:1], out[:2], out}, nil, platform.LogStageRelease, out, "release command failed: exit code 1"},
		{"read fails once", migrate, []pipeline.JobStatus{pipelinetest.JobBusy, pipelinetest.JobBusy, pipelinetest.JobDone},
			[][]string{out[:2], out[:3]}, []error{errors.New("kube: GET log: 500")}, platform.LogStageRelease, out[:3], ""},
		{"postdeploy", map[string]string{platform.ProcessPostdeploy: "./notify"}, []pipeline.JobStatus{pipelinetest.JobBusy, pipelinetest.JobDone},
			[][]string{out[:1], out[:2]}, nil, platform.LogStageDeploy, out[:2], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := releaseHarness(t, tc.extra, tc.jobs...)
			h.cluster.JobOutputs, h.cluster.JobLogErrs = tc.outputs, tc.errs
			logs := &stageLines{}
			h.steps.Logs = logs
			app, _ := h.deploy()
			// The stage's job lines (the pipeline writes its own too).
			got := slices.DeleteFunc(logs.of(tc.stage), func(l string) bool { return !slices.Contains(out, l) })
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s log:\n got %q\nwant %q\n all %q", tc.stage, got, tc.want, logs.lines)
			}
			if detail := platform.Deref(app.LatestRelease.ErrorDetail); detail != tc.detail {
				t.Fatalf("release detail %q, want %q", detail, tc.detail)
			}
		})
	}
}
