package kube

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// JobTTLSeconds is how long a finished Job (and its pod) stays before
// Kubernetes deletes it (ttlSecondsAfterFinished): long enough for the
// pipeline to read its end, after which its output lives on in the
// cluster's logs.
const JobTTLSeconds = 3600

// Job is a batch/v1 Job.
type Job struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       JobSpec    `json:"spec,omitzero"`
	Status     JobState   `json:"status,omitzero"`
}

// JobSpec is a Job's spec. The selector is left to the server (it
// generates one from the Job's uid).
type JobSpec struct {
	BackoffLimit            *int32      `json:"backoffLimit,omitempty"`
	ActiveDeadlineSeconds   *int64      `json:"activeDeadlineSeconds,omitempty"`
	TTLSecondsAfterFinished *int32      `json:"ttlSecondsAfterFinished,omitempty"`
	Template                PodTemplate `json:"template,omitzero"`
}

// JobState is what the Job controller reports.
type JobState struct {
	Active     int32       `json:"active,omitempty"`
	Succeeded  int32       `json:"succeeded,omitempty"`
	Failed     int32       `json:"failed,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// JobName is the name of the Job of a release's process:
// ObjectName(workload, "<process>-v<release version>"), so every release
// runs its own Job and a retried start finds the one it made.
func JobName(w pipeline.Workload, process string) string {
	return ObjectName(w.Name, process+"-v"+strconv.FormatInt(w.ReleaseVersion, 10))
}

// RenderJob returns the Job that runs j once: the pod spec of the
// release's Deployments (podSpec: image, command, pod class, environment,
// security context) with restartPolicy Never, backoffLimit 0 (a failed
// run is never retried), activeDeadlineSeconds j.DeadlineSeconds and
// ttlSecondsAfterFinished JobTTLSeconds. The Job and its pod carry the
// process's labels: application id, process and release version.
func RenderJob(j pipeline.Job) (Job, error) {
	w := j.Workload
	if err := checkWorkload(w); err != nil {
		return Job{}, err
	}
	switch {
	case procfile.KindOf(j.Process).LongRunning():
		return Job{}, fmt.Errorf("kube: process %s is long-running, not a one-off job", j.Process)
	case strings.TrimSpace(w.Processes[j.Process]) == "":
		return Job{}, fmt.Errorf("kube: workload %s has no %s process", w.Name, j.Process)
	case j.DeadlineSeconds <= 0:
		return Job{}, fmt.Errorf("kube: the %s job of workload %s has no deadline", j.Process, w.Name)
	}
	lbls, _ := labels(w, j.Process)
	spec := podSpec(w, j.Process, procfile.KindOneOff)
	spec.RestartPolicy = "Never"
	return Job{
		APIVersion: "batch/v1",
		Kind:       "Job",
		Metadata:   ObjectMeta{Name: JobName(w, j.Process), Namespace: w.Namespace, Labels: lbls},
		Spec: JobSpec{
			BackoffLimit:            ptr(int32(0)),
			ActiveDeadlineSeconds:   ptr(int64(j.DeadlineSeconds)),
			TTLSecondsAfterFinished: ptr(int32(JobTTLSeconds)),
			Template:                PodTemplate{Metadata: ObjectMeta{Labels: lbls}, Spec: spec},
		},
	}, nil
}

// RunJob applies the job's Job (server-side apply, in the workload's
// namespace, which it creates with its RoleBindings when missing).
func (k *Cluster) RunJob(ctx context.Context, j pipeline.Job) error {
	job, err := RenderJob(j)
	if err != nil {
		return err
	}
	secret, err := RenderConfigSecret(j.Workload)
	if err != nil {
		return err
	}
	ns := j.Workload.Namespace
	return k.inNamespace(ctx, ns, func() error {
		// The release's config first: the Job's pod takes its environment
		// from it (envFrom) and cannot start without it.
		if err := k.applyConfigSecret(ctx, secret); err != nil {
			return err
		}
		return k.c.apply(ctx, jobsPath(ns)+"/"+job.Metadata.Name, FieldManager, job)
	})
}

// JobStatus reads the Job and, unless it succeeded, its pod: see jobOf.
// A Job that does not exist has failed (it was deleted, or never made).
func (k *Cluster) JobStatus(ctx context.Context, j pipeline.Job) (pipeline.JobStatus, error) {
	job, err := RenderJob(j)
	if err != nil {
		return pipeline.JobStatus{}, err
	}
	var live Job
	ns := j.Workload.Namespace
	if err := k.c.get(ctx, jobsPath(ns)+"/"+job.Metadata.Name, nil, &live); err != nil {
		if IsNotFound(err) {
			return pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "job " + job.Metadata.Name + " does not exist"}, nil
		}
		return pipeline.JobStatus{}, classify(err)
	}
	if completed(live) {
		return pipeline.JobStatus{Phase: pipeline.JobSucceeded}, nil
	}
	var pods PodList
	if err := k.c.get(ctx, podsPath(ns), url.Values{"labelSelector": {jobSelector(job)}}, &pods); err != nil {
		return pipeline.JobStatus{}, classify(err)
	}
	return jobOf(live, pods.Items), nil
}

// StopJob deletes the Job with its pod (propagationPolicy Background); a
// Job already gone is success.
func (k *Cluster) StopJob(ctx context.Context, j pipeline.Job) error {
	job, err := RenderJob(j)
	if err != nil {
		return err
	}
	return classify(k.c.delete(ctx, jobsPath(j.Workload.Namespace)+"/"+job.Metadata.Name))
}

// JobLogLimitBytes bounds what JobLogs reads of a job pod's log (the
// API's limitBytes): the output past its first JobLogLimitBytes is not
// copied into the pipeline's log.
const JobLogLimitBytes = 256 << 10

// JobLogs reads the log of the job's pod (found by the labels JobStatus
// uses; container: the process), at most JobLogLimitBytes of it, and
// returns its lines from index from on. No pod, a pod whose container has
// not started, or a pod gone meanwhile has no lines. A line cut by the
// limit is left out.
func (k *Cluster) JobLogs(ctx context.Context, j pipeline.Job, from int) ([]string, error) {
	job, err := RenderJob(j)
	if err != nil {
		return nil, err
	}
	ns := j.Workload.Namespace
	var pods PodList
	if err := k.c.get(ctx, podsPath(ns), url.Values{"labelSelector": {jobSelector(job)}}, &pods); err != nil {
		return nil, classify(err)
	}
	pod := startedPod(pods.Items, j.Process)
	if pod == "" {
		return nil, nil
	}
	var data []byte
	q := url.Values{"container": {j.Process}, "limitBytes": {strconv.Itoa(JobLogLimitBytes)}}
	if err := k.c.get(ctx, podsPath(ns)+"/"+pod+"/log", q, &data); err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, classify(err)
	}
	return logLines(data, len(data) >= JobLogLimitBytes, from), nil
}

// startedPod is the name of the first pod whose container of the process
// has started (it runs or ended), or "".
func startedPod(pods []Pod, process string) string {
	for _, p := range pods {
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == process && c.State.Waiting == nil {
				return p.Metadata.Name
			}
		}
	}
	return ""
}

// logLines splits a log into lines and returns those from index from on;
// a last line without its newline is left out when the log was cut.
func logLines(data []byte, cut bool, from int) []string {
	text := string(data)
	if cut {
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1]
		} else {
			text = ""
		}
	}
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	if from >= len(lines) {
		return nil
	}
	return lines[max(from, 0):]
}

// jobSelector selects the pods of one release's Job by the labels Slipway
// gave its template.
func jobSelector(job Job) string {
	l := job.Spec.Template.Metadata.Labels
	return LabelApplicationID + "=" + l[LabelApplicationID] + "," + LabelProcess + "=" + l[LabelProcess] + "," +
		LabelReleaseVersion + "=" + l[LabelReleaseVersion] + "," + LabelManagedBy + "=" + ManagedBy
}

func completed(job Job) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == "Complete" && c.Status == "True" {
			return true
		}
	}
	return false
}

// jobOf judges a Job that has not completed: it failed when its Failed
// condition is True (reason DeadlineExceeded: it timed out), with the exit
// code of its pod's terminated container; it failed at once when its
// pod's container waits for something no retry cures (stuckReasons).
// Otherwise it runs.
func jobOf(job Job, pods []Pod) pipeline.JobStatus {
	exit, stuck := 0, ""
	for _, p := range pods {
		for _, c := range p.Status.ContainerStatuses {
			if t := c.State.Terminated; t != nil && t.ExitCode != 0 {
				exit = int(t.ExitCode)
			}
			if w := c.State.Waiting; w != nil && stuckReasons[w.Reason] && stuck == "" {
				stuck = fmt.Sprintf("pod %s cannot start container %s: %s: %s", p.Metadata.Name, c.Name, w.Reason, w.Message)
			}
		}
	}
	for _, c := range job.Status.Conditions {
		if c.Type != "Failed" || c.Status != "True" {
			continue
		}
		st := pipeline.JobStatus{Phase: pipeline.JobFailed, ExitCode: exit, TimedOut: c.Reason == "DeadlineExceeded"}
		if exit == 0 && !st.TimedOut {
			st.Reason = strings.TrimSpace(c.Reason + ": " + c.Message)
		}
		return st
	}
	if exit != 0 { // the pod ended; the controller has not written Failed yet
		return pipeline.JobStatus{Phase: pipeline.JobFailed, ExitCode: exit}
	}
	if stuck != "" {
		return pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: stuck}
	}
	return pipeline.JobStatus{Phase: pipeline.JobRunning}
}

func jobsPath(ns string) string { return "/apis/batch/v1/namespaces/" + ns + "/jobs" }

// RunJob on an unconfigured cluster fails like every other call.
func (unconfigured) RunJob(context.Context, pipeline.Job) error { return ErrNoCluster }

// JobStatus on an unconfigured cluster fails like every other call.
func (unconfigured) JobStatus(context.Context, pipeline.Job) (pipeline.JobStatus, error) {
	return pipeline.JobStatus{}, ErrNoCluster
}

// StopJob on an unconfigured cluster fails like every other call.
func (unconfigured) StopJob(context.Context, pipeline.Job) error { return ErrNoCluster }

// JobLogs on an unconfigured cluster fails like every other call.
func (unconfigured) JobLogs(context.Context, pipeline.Job, int) ([]string, error) {
	return nil, ErrNoCluster
}
