package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// JobDeadlineGrace is how long past a job's own deadline
// (activeDeadlineSeconds) the pipeline waits for the cluster to report it
// before it stops the job and reports the timeout itself.
const JobDeadlineGrace = 60 * time.Second

// JobOf is the one-off job of a release's process (platform.ProcessRelease
// or ProcessPostdeploy): the release's workload, bounded by its
// deployment timeout.
func JobOf(app platform.Application, rel platform.Release, process string) Job {
	return Job{Workload: WorkloadOf(app, rel), Process: process, DeadlineSeconds: rel.DeploymentTimeout}
}

// jobStep runs the release phase's steps: start or poll the release
// command (before the deployment; a failure or timeout fails the release,
// so nothing rolls out) or the postdeploy command (after the rollout; a
// failure is put on the deployment, which still completes). Both stop
// making progress once the pipeline is asked to stop; ending it then
// deletes the job (Launcher.MarkFailed).
func (s *Steps) jobStep(ctx context.Context, step string, run Run) (Run, error) {
	app, err := s.Store.GetApplication(ctx, run.ApplicationID)
	if err != nil {
		return run, err
	}
	rel, err := app.PipelineRelease(run.Pipeline())
	if err != nil {
		return run, err
	}
	if err := app.CancelRequested(run.Pipeline()); err != nil {
		return run, err
	}
	process, done, polls, deadline := platform.ProcessRelease, &run.ReleaseCommandDone, &run.ReleaseCommandPolls, &run.ReleaseCommandDeadline
	logged, stage := &run.ReleaseCommandLogLines, platform.LogStageRelease
	if step == StepStartPostdeploy || step == StepCheckPostdeploy {
		process, done, polls, deadline = platform.ProcessPostdeploy, &run.PostdeployDone, &run.PostdeployPolls, &run.PostdeployDeadline
		logged, stage = &run.PostdeployLogLines, platform.LogStageDeploy
	}
	runs := rel.RunsReleaseCommand()
	if process == platform.ProcessPostdeploy {
		runs = rel.HasPostdeploy()
	}
	if !runs { // nothing to run (a run older than the release phase)
		*done = true
		return run, nil
	}
	job := JobOf(app, *rel, process)
	if step == StepStartReleaseCommand || step == StepStartPostdeploy {
		run.PollSeconds = s.PollSeconds
		if *deadline == 0 {
			*deadline = s.Now().Add(time.Duration(job.DeadlineSeconds)*time.Second + JobDeadlineGrace).Unix()
		}
		// The job runs with the release's config (only starting needs it:
		// the status and a stop know the job by name).
		if job.Workload, err = s.Config.Workload(ctx, app, *rel); err != nil {
			return run, err
		}
		if err := s.Cluster.RunJob(ctx, job); err != nil {
			return run, err
		}
		if process == platform.ProcessPostdeploy {
			return run, nil
		}
		return run, s.update(ctx, run, func(app *platform.Application) (platform.RecordWrites, error) {
			return app.RecordReleaseCommandStarted(run.Pipeline(), s.Now().UTC())
		})
	}
	status, err := s.Cluster.JobStatus(ctx, job)
	if err != nil {
		return run, err
	}
	*polls++
	// The job's new output goes to the pipeline's log before its end is
	// judged, so a failed job's last lines (its error) are always there.
	s.copyJobLogs(ctx, run, job, stage, logged, status.Phase != JobRunning)
	if status.Phase == JobRunning && s.Now().Unix() >= *deadline {
		if err := s.Cluster.StopJob(ctx, job); err != nil {
			return run, fmt.Errorf("stopping the %s job after its deadline: %w", process, err)
		}
		status = JobStatus{Phase: JobFailed, TimedOut: true}
	}
	switch status.Phase {
	case JobRunning:
		return run, nil
	case JobSucceeded:
		*done = true
		return run, nil
	}
	timeout := 0
	if status.TimedOut {
		timeout = job.DeadlineSeconds
	}
	reason := platform.ReleaseCommandFailure(process, status.ExitCode, timeout, status.Reason)
	if process == platform.ProcessRelease {
		return run, &ReleaseCommandError{Reason: reason}
	}
	slog.WarnContext(ctx, "the postdeploy command failed; the deployment stands", "pipeline_id", run.Pipeline(), "reason", reason)
	*done = true
	return run, s.update(ctx, run, func(app *platform.Application) (platform.RecordWrites, error) {
		return app.RecordPostdeployFailure(run.Pipeline(), reason, s.Now().UTC())
	})
}

// JobLogLinesPerPoll bounds the job output lines one poll copies (the
// writer puts each line on its own, within the step's time limit): a
// running job's further lines wait for the next poll; of an ended job's,
// the last JobLogLinesPerPoll are copied (the tail holds its error) after
// a line saying how many were left out.
const JobLogLinesPerPoll = 300

// copyJobLogs writes the job's output lines past the *logged already
// written to the run's log stage and counts them (ended: the job's last
// poll). Best effort: lines that cannot be read now are read at the next
// poll, and a failure never fails the pipeline.
func (s *Steps) copyJobLogs(ctx context.Context, run Run, job Job, stage string, logged *int, ended bool) {
	lines, err := s.Cluster.JobLogs(ctx, job, *logged)
	if err != nil {
		slog.WarnContext(ctx, "reading the job's output failed", "pipeline_id", run.Pipeline(), "process", job.Process)
		return
	}
	*logged += len(lines)
	if extra := len(lines) - JobLogLinesPerPoll; extra > 0 {
		if !ended {
			*logged -= extra
			lines = lines[:JobLogLinesPerPoll]
		} else {
			s.log(run, stage, fmt.Sprintf("(%d lines of the %s command's output left out: the cluster's logs have them)", extra, job.Process))
			lines = lines[extra:]
		}
	}
	for _, line := range lines {
		s.log(run, stage, line)
	}
}

// stopJobs deletes the jobs a canceled pipeline may still run: its
// release command while the release is in progress, its postdeploy
// command while the deployment is.
func (l *Launcher) stopJobs(ctx context.Context, app platform.Application, pipelineID string) error {
	rel := app.LatestRelease
	if l.Cluster == nil || rel == nil || rel.Pipeline() != pipelineID {
		return nil
	}
	var jobs []Job
	if rel.Status == platform.StatusInProgress && rel.ReleaseCommandStarted != nil {
		jobs = append(jobs, JobOf(app, *rel, platform.ProcessRelease))
	}
	if dep := app.LatestDeployment; dep != nil && dep.ReleaseID == rel.ID && dep.Status == platform.StatusInProgress && rel.HasPostdeploy() {
		jobs = append(jobs, JobOf(app, *rel, platform.ProcessPostdeploy))
	}
	for _, j := range jobs {
		if err := l.Cluster.StopJob(ctx, j); err != nil {
			return fmt.Errorf("stopping the %s job of release v%d: %w", j.Process, rel.Version, err)
		}
	}
	return nil
}
