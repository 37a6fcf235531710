package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// DefaultJobDuration is how long a simulated one-off job (a release or
// postdeploy command) runs.
const DefaultJobDuration = 2 * time.Second

// The release commands of simulated Procfiles: the one a build of a
// SLIPWAY_SIM_RELEASE_COMMAND repository declares, and the one of a
// SLIPWAY_SIM_FAIL_RELEASE_COMMAND repository, whose job exits 1. The
// simulated cluster tells them apart by the command, as it has no image
// to run.
const (
	ReleaseCommand        = "./bin/release"
	FailingReleaseCommand = "./bin/release # simulated: the migration fails"
)

// RepoRules says which repositories a simulator setting applies to. The
// zero value applies to none.
type RepoRules struct {
	All          bool
	Repositories []string // "owner/name", compared case-insensitively
}

// ParseRepoRules reads "all" or a comma-separated list of
// "repo=owner/name" rules; "" is no rule.
func ParseRepoRules(s string) (RepoRules, error) {
	var r RepoRules
	for _, item := range splitList(s) {
		value, isRepo := strings.CutPrefix(item, "repo=")
		switch {
		case item == "all":
			r.All = true
		case isRepo && repoRule(value):
			r.Repositories = append(r.Repositories, value)
		default:
			return r, fmt.Errorf("bad rule %q: want all or repo=<owner>/<name>", item)
		}
	}
	return r, nil
}

// repoRule reports whether value is the "owner/name" of a repo= rule.
func repoRule(value string) bool {
	return strings.Count(value, "/") == 1 && !strings.HasPrefix(value, "/") && !strings.HasSuffix(value, "/")
}

// Match reports whether the rules apply to the repository.
func (r RepoRules) Match(repository string) bool {
	if r.All {
		return true
	}
	for _, repo := range r.Repositories {
		if strings.EqualFold(repo, repository) {
			return true
		}
	}
	return false
}

// processes are the Procfile processes a build of the repository finds:
// DefaultProcesses, plus a release process when a rule says so.
func (b *Builder) processes(repository string) map[string]string {
	p := DefaultProcesses()
	switch {
	case b.failRelease.Match(repository):
		p[platform.ProcessRelease] = FailingReleaseCommand
	case b.release.Match(repository):
		p[platform.ProcessRelease] = ReleaseCommand
	}
	return p
}

// simJob is one simulated one-off job.
type simJob struct {
	job     pipeline.Job
	started time.Time
	stopped bool
	logged  bool
	// output is what the job's container printed, each line at the
	// simulated time it printed it: JobLogs returns the lines printed by
	// then, as the pod's log would.
	output []jobLine
}

// jobLine is one line of a simulated job's output.
type jobLine struct {
	at  time.Time
	msg string
}

func jobKey(j pipeline.Job) string {
	w := j.Workload
	return fmt.Sprintf("%s/%s/%s-v%d", w.Namespace, w.ApplicationID, j.Process, w.ReleaseVersion)
}

// RunJob starts the job (a second start of the same job changes nothing);
// its output starts with its command and the names of the environment
// variables it starts with.
func (c *Cluster) RunJob(_ context.Context, j pipeline.Job) error {
	w := j.Workload
	command := w.Processes[j.Process]
	switch {
	case w.ApplicationID == "":
		return fmt.Errorf("sim: workload %q has no application id", w.Name)
	case strings.TrimSpace(command) == "":
		return fmt.Errorf("sim: workload %s has no %s process", w.Name, j.Process)
	case j.DeadlineSeconds <= 0:
		return fmt.Errorf("sim: the %s job of workload %s has no deadline", j.Process, w.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := jobKey(j)
	if c.jobs[key] != nil {
		return nil
	}
	now := c.now()
	sj := &simJob{job: j, started: now}
	c.jobs[key] = sj
	sj.print(now, fmt.Sprintf("Running the %s command of release v%d: %s", j.Process, w.ReleaseVersion, command))
	sj.print(now, EnvironmentLine(j.Process, w.Env.Names())) // names only, as for every instance
	return nil
}

// JobStatus reports the job as running for the configured job duration;
// then it succeeds, or exits 1 when its command is FailingReleaseCommand.
// A job that runs longer than its deadline fails timed out, as
// Kubernetes' activeDeadlineSeconds does. The rest of its output is
// printed when it ends (at its end on the simulated clock).
func (c *Cluster) JobStatus(_ context.Context, j pipeline.Job) (pipeline.JobStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sj := c.jobs[jobKey(j)]
	switch {
	case sj == nil:
		return pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "the simulated cluster has no " + j.Process + " job of release v" + fmt.Sprint(j.Workload.ReleaseVersion)}, nil
	case sj.stopped:
		return pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "the job was deleted"}, nil
	}
	return c.run(sj), nil
}

// run is the state of a job not deleted; the first call after its end
// prints the rest of its output (at its end). c.mu is held.
func (c *Cluster) run(sj *simJob) pipeline.JobStatus {
	deadline := time.Duration(sj.job.DeadlineSeconds) * time.Second
	runs := min(c.jobDuration, deadline)
	if c.now().Sub(sj.started) < runs {
		return pipeline.JobStatus{Phase: pipeline.JobRunning}
	}
	end := sj.started.Add(runs)
	var st pipeline.JobStatus
	var lines []string
	switch {
	case c.jobDuration > deadline:
		st = pipeline.JobStatus{Phase: pipeline.JobFailed, TimedOut: true}
		lines = []string{fmt.Sprintf("Job was active longer than specified deadline (%d s): the container was killed", sj.job.DeadlineSeconds)}
	case sj.job.Workload.Processes[sj.job.Process] == FailingReleaseCommand:
		st = pipeline.JobStatus{Phase: pipeline.JobFailed, ExitCode: 1}
		lines = migrationFailure
	default:
		st = pipeline.JobStatus{Phase: pipeline.JobSucceeded}
		lines = migrationSuccess
	}
	if !sj.logged {
		sj.logged = true
		for _, l := range lines {
			sj.print(end, l)
		}
		if st.ExitCode != 0 {
			sj.print(end, fmt.Sprintf("The %s command exited with code %d", sj.job.Process, st.ExitCode))
		}
	}
	return st
}

// StopJob deletes the job: it reports failed from then on, and its output
// is gone with its pod (JobLogs returns none). An unknown job is success.
func (c *Cluster) StopJob(_ context.Context, j pipeline.Job) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sj := c.jobs[jobKey(j)]; sj != nil {
		sj.stopped = true
	}
	return nil
}

// removeJobs forgets the application's jobs; c.mu is held.
func (c *Cluster) removeJobs(applicationID string) {
	for key, sj := range c.jobs {
		if sj.job.Workload.ApplicationID == applicationID {
			delete(c.jobs, key)
		}
	}
}

// print adds a line to the job's output.
func (sj *simJob) print(at time.Time, msg string) {
	sj.output = append(sj.output, jobLine{at: at, msg: msg})
}

// JobLogs returns the job's output printed by now, from line index from
// on; an unknown or deleted job has none (its pod is gone). The pipeline copies the
// lines into its log (the release stage, or deploy for postdeploy), as it
// does from a Kubernetes pod's log.
func (c *Cluster) JobLogs(_ context.Context, j pipeline.Job, from int) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sj := c.jobs[jobKey(j)]
	if sj == nil || sj.stopped {
		return nil, nil
	}
	c.run(sj) // an ended job has printed all
	now := c.now()
	var out []string
	for i, l := range sj.output {
		if l.at.After(now) {
			break
		}
		if i >= from {
			out = append(out, l.msg)
		}
	}
	return out, nil
}

// What a simulated release command prints.
var (
	migrationSuccess = []string{
		"== 20261126120000 CreateOrders: migrating ======================================",
		"-- create_table(:orders)",
		"== 20261126120000 CreateOrders: migrated (0.0123s) =============================",
	}
	migrationFailure = []string{
		"== 20261126120000 AddIndexToUsersEmail: migrating ==============================",
		"-- add_index(:users, :email, {:unique=>true})",
		"rake aborted!",
		"StandardError: An error has occurred, this and all later migrations canceled:",
		`PG::UniqueViolation: ERROR:  could not create unique index "index_users_on_email"`,
		"DETAIL:  Key (email)=(ada@example.com) is duplicated.",
	}
)
