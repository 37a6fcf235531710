package kube

import (
	"fmt"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// rolloutOf judges a rollout from its live Deployments. It is done when
// every Deployment's controller has seen the newest spec
// (status.observedGeneration ≥ metadata.generation) and all its replicas
// are updated, ready and available with no old pod left (status.replicas
// = spec.replicas). It has failed when a Deployment whose status is
// current reports the Progressing condition with reason
// ProgressDeadlineExceeded; a stale status's conditions belong to an
// older rollout and are ignored. Desired sums spec.replicas and Ready
// sums status.readyReplicas (at most the desired count per Deployment).
func rolloutOf(live []Deployment) pipeline.RolloutStatus {
	st := pipeline.RolloutStatus{Done: true}
	for _, d := range live {
		want := int32(0)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		st.Desired += int(want)
		st.Ready += int(min(s.ReadyReplicas, want))
		current := s.ObservedGeneration >= d.Metadata.Generation
		if !current || s.UpdatedReplicas != want || s.ReadyReplicas != want || s.AvailableReplicas != want || s.Replicas != want {
			st.Done = false
		}
		if !current || st.Failed {
			continue
		}
		for _, c := range s.Conditions {
			if c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded" {
				st.Failed = true
				st.Reason = fmt.Sprintf("Deployment %s made no progress: %s", d.Metadata.Name, c.Message)
			}
		}
	}
	if st.Failed {
		st.Done = false
	}
	return st
}
