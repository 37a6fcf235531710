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
