package kube_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/kube/kubetest"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

func jobPath(j pipeline.Job) string {
	return "/apis/batch/v1/namespaces/" + j.Workload.Namespace + "/jobs/" + kube.JobName(j.Workload, j.Process)
}

// waitJob polls JobStatus until the job is no longer running.
func waitJob(t *testing.T, k *kube.Cluster, j pipeline.Job) pipeline.JobStatus {
	t.Helper()
	var st pipeline.JobStatus
	kubetest.Eventually(t, rolloutTimeout, func() error {
		var err error
		if st, err = k.JobStatus(context.Background(), j); err != nil {
			return err
		}
		if st.Phase == pipeline.JobRunning {
			return fmt.Errorf("the job still runs")
		}
		return nil
	})
	return st
}

// TestRealReleaseJob: the real API server accepts the rendered Job under
// server-side apply (twice: its template is immutable, and an unchanged
// apply must not touch it), keeps backoffLimit 0, the deadline and the
// TTL, and the Job controller runs its pod; a pod that exits 3 (its
// status written as a kubelet would) is read as exit code 3, a Job past
// activeDeadlineSeconds as timed out, and StopJob deletes the Job.
func TestRealReleaseJob(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	ctx := context.Background()
	w := newWorkload(t)
	j := pipeline.Job{Workload: w, Process: platform.ProcessRelease, DeadlineSeconds: 600}
	if err := k.RunJob(ctx, j); err != nil {
		t.Fatalf("RunJob: %v", err)
	}
	if err := k.RunJob(ctx, j); err != nil {
		t.Fatalf("RunJob again: %v", err)
	}
	var live kube.Job
	cp.Get(t, jobPath(j), &live)
	s := live.Spec
	if s.BackoffLimit == nil || *s.BackoffLimit != 0 || s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds != 600 ||
		s.TTLSecondsAfterFinished == nil || *s.TTLSecondsAfterFinished != kube.JobTTLSeconds || s.Template.Spec.RestartPolicy != "Never" {
		t.Fatalf("live Job spec %+v", s)
	}
	// The controller's pod carries Slipway's labels; write its end as the kubelet would.
	var pods kube.PodList
	kubetest.Eventually(t, rolloutTimeout, func() error {
		q := url.Values{"labelSelector": {kube.LabelApplicationID + "=" + w.ApplicationID + "," + kube.LabelProcess + "=release"}}
		cp.Get(t, "/api/v1/namespaces/"+w.Namespace+"/pods?"+q.Encode(), &pods)
		if len(pods.Items) != 1 || len(pods.Items[0].Status.ContainerStatuses) == 0 {
			return fmt.Errorf("%d pods, none running yet", len(pods.Items))
		}
		return nil
	})
	if st, err := k.JobStatus(ctx, j); err != nil || st.Phase != pipeline.JobRunning {
		t.Fatalf("JobStatus of the running job: %+v %v", st, err)
	}
	name := pods.Items[0].Metadata.Name
	now := time.Now().UTC().Format(time.RFC3339)
	cp.MustDo(t, http.MethodPatch, "/api/v1/namespaces/"+w.Namespace+"/pods/"+name+"/status?fieldManager=test-kubelet&force=true", map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name},
		"status": map[string]any{"phase": "Failed", "containerStatuses": []any{map[string]any{
			"name": "release", "image": appImage, "imageID": "", "ready": false, "restartCount": 0,
			"state": map[string]any{"terminated": map[string]any{"exitCode": 3, "reason": "Error", "startedAt": now, "finishedAt": now}},
		}}},
	})
	if st := waitJob(t, k, j); st.Phase != pipeline.JobFailed || st.ExitCode != 3 {
		t.Fatalf("JobStatus %+v, want failed with exit code 3", st)
	}
	if err := k.StopJob(ctx, j); err != nil {
		t.Fatalf("StopJob: %v", err)
	}
	if code, _, _ := cp.Do(ctx, cp.AdminToken, http.MethodGet, jobPath(j), nil); code != http.StatusNotFound {
		t.Fatalf("the stopped Job: %d, want 404", code)
	}

	// The next release's job misses a one-second deadline: the controller says DeadlineExceeded.
	late := j
	late.Workload.ReleaseVersion, late.DeadlineSeconds = 2, 1
	if err := k.RunJob(ctx, late); err != nil {
		t.Fatalf("RunJob: %v", err)
	}
	if st := waitJob(t, k, late); st.Phase != pipeline.JobFailed || !st.TimedOut {
		t.Fatalf("JobStatus %+v, want timed out", st)
	}
	if err := k.Remove(ctx, w.Namespace, w.ApplicationID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if code, _, _ := cp.Do(ctx, cp.AdminToken, http.MethodGet, jobPath(late), nil); code != http.StatusNotFound {
		t.Fatalf("Remove left the Job: %d", code)
	}
}
