// Package pipelinetest has scripted Builder and Cluster doubles for tests
// of the pipeline and of the APIs that start it.
package pipelinetest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// Builder is a scripted pipeline.Builder: BuildStatus answers from
// Statuses (the last entry repeats) after returning each of Errs once.
type Builder struct {
	Gate     chan struct{} // when set, StartBuild waits for it to close
	mu       sync.Mutex
	Starts   int
	Statuses []pipeline.BuildStatus
	Errs     []error
	Requests []pipeline.BuildRequest // every StartBuild, in order // returned by BuildStatus before the statuses, one per call
	Stops    []string                // every StopBuild's reference, in order
}

func (b *Builder) StartBuild(_ context.Context, req pipeline.BuildRequest) (string, error) {
	if b.Gate != nil {
		<-b.Gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Starts++
	b.Requests = append(b.Requests, req)
	return "build-1", nil
}

func (b *Builder) BuildStatus(context.Context, string) (pipeline.BuildStatus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.Errs) > 0 {
		err := b.Errs[0]
		b.Errs = b.Errs[1:]
		return pipeline.BuildStatus{}, err
	}
	s := b.Statuses[0]
	if len(b.Statuses) > 1 {
		b.Statuses = b.Statuses[1:]
	}
	return s, nil
}

// StopBuild records the stop; BuildStatus reports the build failed from
// then on, as CodeBuild reports a stopped build.
func (b *Builder) StopBuild(_ context.Context, ref string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Stops = append(b.Stops, ref)
	b.Statuses = []pipeline.BuildStatus{{Phase: pipeline.BuildFailed, Reason: "build stopped"}}
	return nil
}

// StopCount is how many builds were stopped.
func (b *Builder) StopCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.Stops)
}

// Cluster is a scripted pipeline.Cluster: RolloutStatus answers from
// Statuses (the last entry repeats).
type Cluster struct {
	mu      sync.Mutex
	Applies int
	Applied pipeline.Workload
	// History is every applied workload, in order.
	History  []pipeline.Workload
	Statuses []pipeline.RolloutStatus
	Scaled   []pipeline.Workload
	ScaleErr error
	// Removed lists every Remove as "<namespace>/<application id>";
	// RemoveErrs are returned by Remove first, one per call.
	Removed    []string
	RemoveErrs []error
	// Jobs lists every RunJob, StoppedJobs every StopJob; JobStatuses
	// are what JobStatus answers.
	Jobs        []pipeline.Job
	StoppedJobs []pipeline.Job
	JobStatuses []pipeline.JobStatus
	// JobOutputs are the whole output a job printed by each JobLogs call
	// (the last entry repeats; none: no output); JobLogErrs are returned
	// by JobLogs first, one per call.
	JobOutputs [][]string
	JobLogErrs []error
}

func (c *Cluster) Apply(_ context.Context, w pipeline.Workload) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Applies++
	c.Applied = w
	c.History = append(c.History, w)
	return nil
}

func (c *Cluster) RolloutStatus(context.Context, pipeline.Workload) (pipeline.RolloutStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.Statuses[0]
	if len(c.Statuses) > 1 {
		c.Statuses = c.Statuses[1:]
	}
	return s, nil
}

// AppliedReleases are the release versions applied so far, in order.
func (c *Cluster) AppliedReleases() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, len(c.History))
	for i, w := range c.History {
		out[i] = w.ReleaseVersion
	}
	return out
}

// Scale records the workload, or fails with ScaleErr when set.
func (c *Cluster) Scale(_ context.Context, w pipeline.Workload) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ScaleErr != nil {
		return c.ScaleErr
	}
	c.Scaled = append(c.Scaled, w)
	return nil
}

// Scripted states for tests.
var (
	Running   = pipeline.BuildStatus{Phase: pipeline.BuildRunning}
	Built     = pipeline.BuildStatus{Phase: pipeline.BuildSucceeded, ImageURI: "repo@sha256:abc", CommitSHA: strings.Repeat("c", 40), Processes: map[string]string{"web": "serve", "worker": "work"}}
	Rolling   = pipeline.RolloutStatus{Desired: 2, Ready: 1}
	RolledOut = pipeline.RolloutStatus{Done: true, Desired: 2, Ready: 2}
)

// NewRunner returns a local runner of the repository's deploy state
// machine over steps, on clock, closed when the test ends.
func NewRunner(t testing.TB, steps *pipeline.Steps, clock stepfn.Clock, opts ...stepfn.Option) *localrun.Runner {
	t.Helper()
	runner, err := localrun.New(slipway.DeployStateMachine, steps, append([]stepfn.Option{stepfn.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runner.Close)
	return runner
}

// RunJob records the job it starts.
func (c *Cluster) RunJob(_ context.Context, j pipeline.Job) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Jobs = append(c.Jobs, j)
	return nil
}

// JobStatus answers from JobStatuses (the last entry repeats; none:
// succeeded), or failed once the job was stopped.
func (c *Cluster) JobStatus(_ context.Context, j pipeline.Job) (pipeline.JobStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.StoppedJobs {
		if s.Process == j.Process && s.Workload.ReleaseID == j.Workload.ReleaseID {
			return pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "the job was deleted"}, nil
		}
	}
	if len(c.JobStatuses) == 0 {
		return JobDone, nil
	}
	s := c.JobStatuses[0]
	if len(c.JobStatuses) > 1 {
		c.JobStatuses = c.JobStatuses[1:]
	}
	return s, nil
}

// StopJob records the job it stops.
func (c *Cluster) StopJob(_ context.Context, j pipeline.Job) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.StoppedJobs = append(c.StoppedJobs, j)
	return nil
}

// JobLogs answers the lines of the next JobOutputs entry from index from
// on, or the next JobLogErrs error.
func (c *Cluster) JobLogs(_ context.Context, _ pipeline.Job, from int) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.JobLogErrs) > 0 {
		err := c.JobLogErrs[0]
		c.JobLogErrs = c.JobLogErrs[1:]
		return nil, err
	}
	if len(c.JobOutputs) == 0 {
		return nil, nil
	}
	out := c.JobOutputs[0]
	if len(c.JobOutputs) > 1 {
		c.JobOutputs = c.JobOutputs[1:]
	}
	if from >= len(out) {
		return nil, nil
	}
	return out[from:], nil
}

// JobRuns are the processes of the jobs started so far, in order.
func (c *Cluster) JobRuns() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.Jobs))
	for i, j := range c.Jobs {
		out[i] = j.Process
	}
	return out
}

// Scripted job states for tests.
var (
	JobBusy = pipeline.JobStatus{Phase: pipeline.JobRunning}
	JobDone = pipeline.JobStatus{Phase: pipeline.JobSucceeded}
)
