package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim/simtest"
)

// recordedLogs is a LogSink that keeps the pipeline lines, and the
// runtime lines with each instance shown as "<process>.<n>"
// (simtest.Instances).
type recordedLogs struct {
	lines     []string
	instances simtest.Instances
}

func (l *recordedLogs) Pipeline(_, pipelineID, stage string, at time.Time, msg string) {
	l.lines = append(l.lines, pipelineID+" "+stage+" "+at.UTC().Format("15:04:05")+" "+msg)
}

func (l *recordedLogs) Runtime(_, process, instance string, release int64, _ time.Time, msg string) {
	l.lines = append(l.lines, fmt.Sprintf("runtime v%d %s %s: %s", release, process, l.instances.Name(release, process, instance), msg))
}

// take returns the lines so far and forgets them.
func (l *recordedLogs) take() []string {
	out := l.lines
	l.lines = nil
	return out
}

// TestBuilderDeclaresReleaseProcess: the rules add a release process to
// the matching repositories' images, a failing one for the fail rules.
func TestBuilderDeclaresReleaseProcess(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BuildDuration = 0
	cfg.ReleaseCommand, _ = ParseRepoRules("repo=acme/api")
	cfg.FailReleaseCommand, _ = ParseRepoRules("repo=acme/broken")
	b := NewBuilder(cfg, nil)
	for repo, want := range map[string]string{"acme/api": ReleaseCommand, "ACME/Broken": FailingReleaseCommand, "acme/other": ""} {
		ref, err := b.StartBuild(context.Background(), pipeline.BuildRequest{ApplicationID: appID, ImageID: repo, Repository: repo, Ref: "main"})
		if err != nil {
			t.Fatal(err)
		}
		st, _ := b.BuildStatus(context.Background(), ref)
		if st.Processes[platform.ProcessRelease] != want || st.Processes["web"] == "" {
			t.Errorf("%s: processes %v, want release %q", repo, st.Processes, want)
		}
	}
}

// TestClusterJobs runs simulated jobs on a virtual clock: running for the
// job duration, then succeeded, exit code 1 for the failing command, timed
// out past the deadline, failed (and its output gone) once stopped; JobLogs returns the output
// printed by then (from a line index on), which never goes to the log
// sink directly: the pipeline copies it.
func TestClusterJobs(t *testing.T) {
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		process  string
		command  string
		deadline int
		stop     bool
		want     pipeline.JobStatus
		logs     string
	}{
		{"succeeds", platform.ProcessRelease, ReleaseCommand, 60, false, pipeline.JobStatus{Phase: pipeline.JobSucceeded}, "migrated"},
		{"fails", platform.ProcessRelease, FailingReleaseCommand, 60, false, pipeline.JobStatus{Phase: pipeline.JobFailed, ExitCode: 1}, "PG::UniqueViolation"},
		{"times out", platform.ProcessRelease, ReleaseCommand, 1, false, pipeline.JobStatus{Phase: pipeline.JobFailed, TimedOut: true}, "longer than specified deadline (1 s)"},
		{"stopped", platform.ProcessRelease, ReleaseCommand, 60, true, pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "the job was deleted"}, ""},
		{"postdeploy", platform.ProcessPostdeploy, "./notify", 60, false, pipeline.JobStatus{Phase: pipeline.JobSucceeded}, "Running the postdeploy command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			logs := &recordedLogs{}
			cfg := DefaultConfig()
			cfg.Logs = logs
			c := NewCluster(cfg, func() time.Time { return now })
			w := workload(nil)
			w.PipelineID = "p1"
			w.Processes[tc.process] = tc.command
			j := pipeline.Job{Workload: w, Process: tc.process, DeadlineSeconds: tc.deadline}
			ctx := context.Background()
			if err := c.RunJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			if err := c.RunJob(ctx, j); err != nil { // a retried start
				t.Fatal(err)
			}
			if st, _ := c.JobStatus(ctx, j); st.Phase != pipeline.JobRunning {
				t.Fatalf("at the start: %+v", st)
			}
			if early, _ := c.JobLogs(ctx, j, 0); len(early) != 2 { // the command and its environment's names
				t.Fatalf("output while it runs: %q", early)
			}
			if tc.stop {
				if err := c.StopJob(ctx, j); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(DefaultJobDuration)
			// The ended job's output is there before any JobStatus sees its end.
			if pre, _ := c.JobLogs(ctx, j, 0); tc.logs != "" && !strings.Contains(strings.Join(pre, "\n"), tc.logs) {
				t.Fatalf("output at the end, before JobStatus: %q", pre)
			}
			for range 2 {
				if st, err := c.JobStatus(ctx, j); err != nil || st != tc.want {
					t.Fatalf("JobStatus = %+v, %v; want %+v", st, err, tc.want)
				}
			}
			lines, err := c.JobLogs(ctx, j, 0)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(lines, "\n")
			if tc.logs == "" { // deleted: its output went with its pod
				if len(lines) != 0 {
					t.Fatalf("a deleted job's output: %q", lines)
				}
				return
			}
			if !strings.HasPrefix(all, "Running the "+tc.process+" command") || strings.Count(all, tc.logs) != 1 || strings.Count(all, "Running the") != 1 {
				t.Fatalf("job output:\n%s", all)
			}
			if rest, _ := c.JobLogs(ctx, j, len(lines)-1); !slices.Equal(rest, lines[len(lines)-1:]) {
				t.Fatalf("JobLogs from %d = %q, want the last line of %q", len(lines)-1, rest, lines)
			}
			if len(logs.lines) != 0 {
				t.Fatalf("the job wrote to the log sink:\n%s", strings.Join(logs.lines, "\n"))
			}
		})
	}
}

func TestClusterJobRejectsAndRemove(t *testing.T) {
	c := NewCluster(DefaultConfig(), nil)
	ctx := context.Background()
	w := workload(nil)
	if err := c.RunJob(ctx, pipeline.Job{Workload: w, Process: platform.ProcessPostdeploy, DeadlineSeconds: 60}); err == nil {
		t.Fatal("a job of a process the release lacks started")
	}
	if err := c.RunJob(ctx, pipeline.Job{Workload: w, Process: platform.ProcessRelease}); err == nil {
		t.Fatal("a job without a deadline started")
	}
	j := pipeline.Job{Workload: w, Process: platform.ProcessRelease, DeadlineSeconds: 60}
	if err := c.RunJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, w.Namespace, w.ApplicationID); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.JobStatus(ctx, j); st.Phase != pipeline.JobFailed || !strings.Contains(st.Reason, "no release job") {
		t.Fatalf("after Remove: %+v", st)
	}
}
