package kube

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const jobPodPath = "/api/v1/namespaces/acme/pods/shop-api-release-v7-x2k9p"

// TestJobLogsFromAPI reads the job pod's log through the API: the pod
// found by the Job's labels, its process's container, at most
// JobLogLimitBytes, from a line index on; no pod, a container not started
// and a pod gone have no lines; a line the limit cuts is left out.
func TestJobLogsFromAPI(t *testing.T) {
	long := strings.Repeat("x", JobLogLimitBytes)
	for _, tc := range []struct {
		name string
		pods []Pod
		log  *string
		from int
		want []string
		read bool // the log is requested
	}{
		{"no pod", nil, nil, 0, nil, false},
		{"not started", []Pod{jobPod(waiting("ContainerCreating"))}, ptr("early\n"), 0, nil, false},
		{"running", []Pod{jobPod(ContainerStatus{Name: "release"})}, ptr("one\ntwo\n"), 0, []string{"one", "two"}, true},
		{"from a line on", []Pod{jobPod(terminated(1))}, ptr("one\ntwo\nrake aborted!\n"), 2, []string{"rake aborted!"}, true},
		{"nothing new", []Pod{jobPod(terminated(1))}, ptr("one\ntwo\n"), 2, nil, true},
		{"last line without newline", []Pod{jobPod(terminated(1))}, ptr("one\nexit 1"), 1, []string{"exit 1"}, true},
		{"cut by the limit", []Pod{jobPod(ContainerStatus{Name: "release"})}, ptr("one\n" + long), 0, []string{"one"}, true},
		{"pod gone", []Pod{jobPod(ContainerStatus{Name: "release"})}, nil, 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, "t")
			k := api.cluster(t)
			api.pods = tc.pods
			api.podLogs = map[string]string{}
			if tc.log != nil {
				api.podLogs[jobPodPath] = *tc.log
			}
			got, err := k.JobLogs(context.Background(), testJob(), tc.from)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("JobLogs = %q, %v; want %q", got, err, tc.want)
			}
			reqs := api.take()
			sel := reqs[0].Query.Get("labelSelector")
			if reqs[0].Path != "/api/v1/namespaces/acme/pods" || !strings.Contains(sel, LabelProcess+"=release") || !strings.Contains(sel, LabelReleaseVersion+"=7") {
				t.Fatalf("pods request %s %s", reqs[0].Path, sel)
			}
			if !tc.read {
				if len(reqs) != 1 {
					t.Fatalf("requests %+v", reqs)
				}
				return
			}
			r := reqs[1]
			if r.Method != "GET" || r.Path != jobPodPath+"/log" || r.Query.Get("container") != "release" || r.Query.Get("limitBytes") != strconv.Itoa(JobLogLimitBytes) {
				t.Fatalf("log request %s %s %v", r.Method, r.Path, r.Query)
			}
		})
	}
}

// TestJobLogsFailure: an API error other than a missing pod is returned
// (the pipeline logs it and carries on).
func TestJobLogsFailure(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	api.pods = []Pod{jobPod(ContainerStatus{Name: "release"})}
	api.failures["GET "+jobPodPath+"/log"] = 403
	if _, err := k.JobLogs(context.Background(), testJob(), 0); err == nil {
		t.Fatal("a forbidden log read succeeded")
	}
}
