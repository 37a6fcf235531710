package kube

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// testJob is the release command of testWorkload, in the pod class m1.large.
func testJob() pipeline.Job {
	w := testWorkload()
	large, _ := platform.LookupPodClass("m1.large")
	w.PodClasses["release"] = large
	return pipeline.Job{Workload: w, Process: platform.ProcessRelease, DeadlineSeconds: 300}
}

const jobPath = "/apis/batch/v1/namespaces/acme/jobs/shop-api-release-v7"

// The release command's Job, in full.
var wantReleaseJob = `{
  "apiVersion": "batch/v1", "kind": "Job",
  "metadata": {"name": "shop-api-release-v7", "namespace": "acme", "labels": {
    "app.kubernetes.io/instance": "shop-api-release", "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
    "slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "release", "slipway.dev/release-version": "7"}},
  "spec": {
    "backoffLimit": 0, "activeDeadlineSeconds": 300, "ttlSecondsAfterFinished": 3600,
    "template": {
      "metadata": {"labels": {
        "app.kubernetes.io/instance": "shop-api-release", "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
        "slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "release", "slipway.dev/release-version": "7"}},
      "spec": {
        "automountServiceAccountToken": false, "enableServiceLinks": false, "restartPolicy": "Never",
        "containers": [{
          "name": "release", "image": "123.dkr.ecr.us-east-1.amazonaws.com/apps@sha256:abc",
          "command": ["/bin/sh", "-c", "./bin/migrate"],
          "resources": {"requests": {"cpu": "` + large().CPURequest + `", "memory": "` + large().MemoryRequest + `"},
                        "limits": {"cpu": "` + large().CPULimit + `", "memory": "` + large().MemoryLimit + `"}},
          "envFrom": [{"secretRef": {"name": "shop-api-config-v7"}}],
          "securityContext": {"allowPrivilegeEscalation": false}
        }]
      }
    }
  }
}`

func large() platform.PodClass {
	c, _ := platform.LookupPodClass("m1.large")
	return c
}

// TestRenderJob: the release command's Job runs once (backoffLimit 0,
// restartPolicy Never) within the deadline, is cleaned up after an hour,
// carries the process's labels and the pod class's requests and limits,
// and its pod spec is the one Deployments get (podSpec), so whatever the
// workload adds to the pods (config, security) applies to it too.
func TestRenderJob(t *testing.T) {
	job, err := RenderJob(testJob())
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, "release Job", job, wantReleaseJob)
	shared := podSpec(testJob().Workload, "release", procfile.KindOneOff)
	shared.RestartPolicy = "Never"
	if !reflect.DeepEqual(job.Spec.Template.Spec, shared) {
		t.Fatalf("the Job's pod spec is not podSpec's:\n%s\n%s", jsonOf(job.Spec.Template.Spec), jsonOf(shared))
	}
	privileged := testJob()
	privileged.Workload.Privileged = true
	job, _ = RenderJob(privileged)
	if sc := job.Spec.Template.Spec.Containers[0].SecurityContext; sc == nil || sc.Privileged == nil || !*sc.Privileged {
		t.Fatalf("a privileged workload's Job: %+v", sc)
	}
	post := testJob()
	post.Process, post.Workload.Processes["postdeploy"] = platform.ProcessPostdeploy, "./bin/notify"
	if job, err := RenderJob(post); err != nil || job.Metadata.Name != "shop-api-postdeploy-v7" || job.Metadata.Labels[LabelProcess] != "postdeploy" {
		t.Fatalf("postdeploy Job %+v %v", job.Metadata, err)
	}
}

func TestRenderJobRejects(t *testing.T) {
	for name, mutate := range map[string]func(*pipeline.Job){
		"no such process": func(j *pipeline.Job) { j.Process = "postdeploy" },
		"long-running":    func(j *pipeline.Job) { j.Process = "web" },
		"no deadline":     func(j *pipeline.Job) { j.DeadlineSeconds = 0 },
		"bad workload":    func(j *pipeline.Job) { j.Workload.Namespace = "Not_A_Label" },
	} {
		j := testJob()
		mutate(&j)
		if _, err := RenderJob(j); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}

// TestJobName: a long workload name is shortened like every object name.
func TestJobName(t *testing.T) {
	w := testWorkload()
	w.Name = strings.Repeat("a", 60)
	if n := JobName(w, "release"); len(n) > maxName || !dns1035.MatchString(n) {
		t.Fatalf("JobName %q", n)
	}
}

func terminated(code int32) ContainerStatus {
	var c ContainerStatus
	c.Name = "release"
	c.State.Terminated = &struct {
		ExitCode int32  `json:"exitCode"`
		Reason   string `json:"reason"`
	}{ExitCode: code, Reason: "Error"}
	return c
}

func waiting(reason string) ContainerStatus {
	var c ContainerStatus
	c.Name = "release"
	c.State.Waiting = &struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}{Reason: reason, Message: "bad"}
	return c
}

func jobPod(statuses ...ContainerStatus) Pod {
	var p Pod
	p.Metadata.Name = "shop-api-release-v7-x2k9p"
	p.Status.ContainerStatuses = statuses
	return p
}

// TestJobStatusFromAPI reads the Job's conditions and its pod's exit code
// through the API, as the kube-apiserver serves them.
func TestJobStatusFromAPI(t *testing.T) {
	failed := func(reason string) JobState {
		return JobState{Failed: 1, Conditions: []Condition{{Type: "FailureTarget", Status: "True", Reason: reason}, {Type: "Failed", Status: "True", Reason: reason, Message: "Job has reached the specified backoff limit"}}}
	}
	for _, tc := range []struct {
		name string
		job  JobState
		pods []Pod
		want pipeline.JobStatus
	}{
		{"pending", JobState{}, nil, pipeline.JobStatus{Phase: pipeline.JobRunning}},
		{"running", JobState{Active: 1}, []Pod{jobPod(ContainerStatus{Name: "release"})}, pipeline.JobStatus{Phase: pipeline.JobRunning}},
		{"complete", JobState{Succeeded: 1, Conditions: []Condition{{Type: "SuccessCriteriaMet", Status: "True"}, {Type: "Complete", Status: "True"}}}, nil,
			pipeline.JobStatus{Phase: pipeline.JobSucceeded}},
		{"exit code", failed("BackoffLimitExceeded"), []Pod{jobPod(terminated(3))}, pipeline.JobStatus{Phase: pipeline.JobFailed, ExitCode: 3}},
		{"exited before the condition", JobState{Active: 1}, []Pod{jobPod(terminated(1))}, pipeline.JobStatus{Phase: pipeline.JobFailed, ExitCode: 1}},
		{"deadline", failed("DeadlineExceeded"), nil, pipeline.JobStatus{Phase: pipeline.JobFailed, TimedOut: true}},
		{"failed without a pod", failed("PodFailurePolicy"), nil,
			pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "PodFailurePolicy: Job has reached the specified backoff limit"}},
		{"cannot start", JobState{Active: 1}, []Pod{jobPod(waiting("InvalidImageName"))},
			pipeline.JobStatus{Phase: pipeline.JobFailed, Reason: "pod shop-api-release-v7-x2k9p cannot start container release: InvalidImageName: bad"}},
		{"pulling", JobState{Active: 1}, []Pod{jobPod(waiting("ContainerCreating"))}, pipeline.JobStatus{Phase: pipeline.JobRunning}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, "t")
			k := api.cluster(t)
			ctx := context.Background()
			must(t, k.RunJob(ctx, testJob()))
			api.setJobStatus(jobPath, tc.job)
			api.pods = tc.pods
			api.take()
			got, err := k.JobStatus(ctx, testJob())
			if err != nil || got != tc.want {
				t.Fatalf("JobStatus = %+v, %v; want %+v", got, err, tc.want)
			}
			reqs := api.take()
			if reqs[0].Method != "GET" || reqs[0].Path != jobPath {
				t.Fatalf("first request %s %s", reqs[0].Method, reqs[0].Path)
			}
			if tc.want.Phase != pipeline.JobSucceeded {
				sel := reqs[1].Query.Get("labelSelector")
				for _, want := range []string{LabelApplicationID + "=" + appID, LabelProcess + "=release", LabelReleaseVersion + "=7"} {
					if !strings.Contains(sel, want) {
						t.Fatalf("pods selector %q lacks %s", sel, want)
					}
				}
			}
		})
	}
}

// TestRunJobAppliesAndStopJobDeletes: RunJob creates the namespace and
// applies the Job (a retried start applies the same object); StopJob
// deletes it, a second StopJob and a JobStatus after it find it gone;
// Remove deletes an application's Jobs.
func TestRunJobAppliesAndStopJobDeletes(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	ctx := context.Background()
	must(t, k.RunJob(ctx, testJob()))
	first := api.object(jobPath)
	must(t, k.RunJob(ctx, testJob()))
	if string(api.object(jobPath)) != string(first) {
		t.Fatal("a retried start changed the Job")
	}
	var applied Job
	_ = json.Unmarshal(first, &applied)
	if applied.Spec.BackoffLimit == nil || *applied.Spec.BackoffLimit != 0 {
		t.Fatalf("applied Job %s", first)
	}
	for _, r := range api.take() {
		if r.Path == jobPath && (r.Method != "PATCH" || r.ContentType != contentTypeApply || r.Query.Get("fieldManager") != FieldManager) {
			t.Fatalf("the Job is not server-side applied: %s %s %s", r.Method, r.ContentType, r.Query)
		}
	}
	must(t, k.StopJob(ctx, testJob()))
	must(t, k.StopJob(ctx, testJob()))
	if st, err := k.JobStatus(ctx, testJob()); err != nil || st.Phase != pipeline.JobFailed || !strings.Contains(st.Reason, "does not exist") {
		t.Fatalf("JobStatus of a deleted Job: %+v %v", st, err)
	}
	must(t, k.RunJob(ctx, testJob()))
	must(t, k.Remove(ctx, "acme", appID))
	for _, p := range api.paths() {
		if strings.Contains(p, "/jobs/") {
			t.Fatalf("Remove left %s", p)
		}
	}
}
