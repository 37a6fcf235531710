package kube

import (
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// deployment is a live Deployment with replicas wanted, at generation gen.
func deployment(name string, replicas int32, gen int64, s DeploymentStatus) Deployment {
	return Deployment{Metadata: ObjectMeta{Name: name, Generation: gen}, Spec: DeploymentSpec{Replicas: &replicas}, Status: s}
}

func complete(replicas int32, gen int64) DeploymentStatus {
	return DeploymentStatus{ObservedGeneration: gen, Replicas: replicas, UpdatedReplicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas}
}

var deadline = Condition{Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded",
	Message: `ReplicaSet "shop-api-web-5d4f" has timed out progressing.`}

func TestRolloutOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		live []Deployment
		want pipeline.RolloutStatus
	}{
		{"all complete", []Deployment{
			deployment("web", 2, 3, complete(2, 3)), deployment("worker", 1, 1, complete(1, 1)),
		}, pipeline.RolloutStatus{Done: true, Desired: 3, Ready: 3}},
		{"zero replicas are complete", []Deployment{
			deployment("web", 0, 2, DeploymentStatus{ObservedGeneration: 2}),
		}, pipeline.RolloutStatus{Done: true}},
		{"nothing to roll out", nil, pipeline.RolloutStatus{Done: true}},
		{"stale observed generation", []Deployment{
			deployment("web", 2, 4, complete(2, 3)),
		}, pipeline.RolloutStatus{Desired: 2, Ready: 2}},
		{"new pods not ready yet", []Deployment{
			deployment("web", 2, 4, DeploymentStatus{ObservedGeneration: 4, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2}),
		}, pipeline.RolloutStatus{Desired: 2, Ready: 2}},
		{"old pod still terminating", []Deployment{
			deployment("web", 2, 4, DeploymentStatus{ObservedGeneration: 4, Replicas: 3, UpdatedReplicas: 2, ReadyReplicas: 3, AvailableReplicas: 3}),
		}, pipeline.RolloutStatus{Desired: 2, Ready: 2}},
		{"ready but not yet available", []Deployment{
			deployment("web", 2, 4, DeploymentStatus{ObservedGeneration: 4, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1}),
		}, pipeline.RolloutStatus{Desired: 2, Ready: 2}},
		{"scaled down to zero, pods still there", []Deployment{
			deployment("web", 0, 5, DeploymentStatus{ObservedGeneration: 5, Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}),
		}, pipeline.RolloutStatus{Desired: 0, Ready: 0}},
		{"progress deadline exceeded", []Deployment{
			deployment("shop-api-worker", 1, 1, complete(1, 1)),
			deployment("shop-api-web", 2, 2, DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2,
				Conditions: []Condition{{Type: "Available", Status: "True"}, deadline}}),
		}, pipeline.RolloutStatus{Failed: true, Desired: 3, Ready: 3,
			Reason: `Deployment shop-api-web made no progress: ReplicaSet "shop-api-web-5d4f" has timed out progressing.`}},
		{"a stale deadline belongs to the previous rollout", []Deployment{
			deployment("shop-api-web", 2, 3, DeploymentStatus{ObservedGeneration: 2, Replicas: 2, ReadyReplicas: 0, Conditions: []Condition{deadline}}),
		}, pipeline.RolloutStatus{Desired: 2}},
		{"old pods of a finished rollout still terminating", []Deployment{
			deployment("web", 2, 4, DeploymentStatus{ObservedGeneration: 4, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, TerminatingReplicas: ptr(int32(1))}),
		}, pipeline.RolloutStatus{Desired: 2, Ready: 2}},
		{"no pod terminating", []Deployment{
			deployment("web", 2, 4, DeploymentStatus{ObservedGeneration: 4, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, TerminatingReplicas: ptr(int32(0))}),
		}, pipeline.RolloutStatus{Done: true, Desired: 2, Ready: 2}},
		{"pods cannot be created", []Deployment{
			deployment("shop-api-web", 2, 2, DeploymentStatus{ObservedGeneration: 2, Conditions: []Condition{
				{Type: "Progressing", Status: "True", Reason: "NewReplicaSetCreated"},
				{Type: "ReplicaFailure", Status: "True", Reason: "FailedCreate", Message: `pods "shop-api-web-7c9d-x" is forbidden: exceeded quota: pods`}}}),
		}, pipeline.RolloutStatus{Failed: true, Desired: 2,
			Reason: `Deployment shop-api-web cannot create its pods: pods "shop-api-web-7c9d-x" is forbidden: exceeded quota: pods`}},
		{"a new namespace's service account is not there yet", []Deployment{
			deployment("shop-api-web", 2, 2, DeploymentStatus{ObservedGeneration: 2, Conditions: []Condition{
				{Type: "ReplicaFailure", Status: "True", Reason: "FailedCreate", Message: `pods "shop-api-web-7c9d-x" is forbidden: error looking up service account acme/default: serviceaccount "default" not found`}}}),
		}, pipeline.RolloutStatus{Desired: 2}},
		{"progressing normally", []Deployment{
			deployment("web", 1, 2, DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
				Conditions: []Condition{{Type: "Progressing", Status: "True", Reason: "ReplicaSetUpdated"}}}),
		}, pipeline.RolloutStatus{Desired: 1, Ready: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rolloutOf(tc.live); got != tc.want {
				t.Fatalf("rolloutOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// crashing is a pod of the process at the release whose container waits
// in reason after restarts.
func crashing(name, process string, version int64, reason string, restarts int32) Pod {
	p := readyPod(name, process, version)
	p.Status.Conditions = []Condition{{Type: "Ready", Status: "False"}}
	cs := ContainerStatus{Name: process, RestartCount: restarts}
	cs.State.Waiting = &struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}{Reason: reason, Message: "back-off restarting failed container"}
	p.Status.ContainerStatuses = []ContainerStatus{cs}
	return p
}

func TestPodsOf(t *testing.T) {
	web := deployment("shop-api-web", 2, 2, DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2})
	web.Spec.Template.Metadata.Labels = map[string]string{LabelProcess: "web"}
	terminating := readyPod("web-going", "web", 7)
	terminating.Metadata.DeletionTimestamp = ptr("2026-12-01T00:00:00Z")
	for _, tc := range []struct {
		name string
		pods []Pod
		want pipeline.RolloutStatus
	}{
		{"old pods do not count as ready", []Pod{readyPod("web-old-1", "web", 6), readyPod("web-old-2", "web", 6), readyPod("web-new", "web", 7)},
			pipeline.RolloutStatus{Desired: 2, Ready: 1}},
		{"a terminating pod does not count", []Pod{terminating}, pipeline.RolloutStatus{Desired: 2}},
		{"ready pods beyond the desired count", []Pod{readyPod("a", "web", 7), readyPod("b", "web", 7), readyPod("c", "web", 7)},
			pipeline.RolloutStatus{Desired: 2, Ready: 2}},
		{"a first crash is not yet a failure", []Pod{crashing("web-new", "web", 7, "CrashLoopBackOff", CrashLoopRestarts-1)},
			pipeline.RolloutStatus{Desired: 2}},
		{"a crash loop of the new release fails", []Pod{readyPod("web-new-a", "web", 7), crashing("web-new-b", "web", 7, "CrashLoopBackOff", CrashLoopRestarts)},
			pipeline.RolloutStatus{Failed: true, Desired: 2, Ready: 1, Reason: "pod web-new-b crash-loops: container web restarted 3 times"}},
		{"a crash loop of the old release does not", []Pod{crashing("web-old", "web", 6, "CrashLoopBackOff", 9)},
			pipeline.RolloutStatus{Desired: 2}},
		{"an invalid image fails at once", []Pod{crashing("web-new", "web", 7, "InvalidImageName", 0)},
			pipeline.RolloutStatus{Failed: true, Desired: 2, Reason: "pod web-new cannot start container web: InvalidImageName: back-off restarting failed container"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := []Deployment{web}
			if got := podsOf(rolloutOf(live), live, tc.pods, 7); got != tc.want {
				t.Fatalf("podsOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}
