package kube

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// CrashLoopRestarts is how many restarts of a container of the new release
// in CrashLoopBackOff fail the rollout. Kubernetes itself never fails such
// a rollout before its progress deadline (the Progressing condition stays
// True while pods crash).
const CrashLoopRestarts = 3

// noServiceAccountYet is in the FailedCreate message of a pod created in a
// new namespace before its "default" service account: the ReplicaSet
// controller retries, and the next attempt succeeds.
const noServiceAccountYet = `serviceaccount "default" not found`

// stuckReasons are the waiting reasons of a container that no retry cures:
// the rollout fails at once.
var stuckReasons = map[string]bool{"InvalidImageName": true, "ErrImageNeverPull": true, "CreateContainerConfigError": true}

// rolloutOf judges a rollout from its live Deployments. It is done when
// every Deployment's controller has seen the newest spec
// (status.observedGeneration ≥ metadata.generation) and all its replicas
// are updated, ready and available with no old pod left (status.replicas
// = spec.replicas and no pod still terminating). It has failed when a
// Deployment whose status is current reports the Progressing condition
// with reason ProgressDeadlineExceeded, or ReplicaFailure=True (pods that
// cannot be created: quota, Pod Security, an invalid pod; not a new
// namespace's service account still missing, which cures itself); a stale
// status's conditions belong to an older rollout and are ignored. Desired
// sums spec.replicas and Ready sums status.readyReplicas (at most the
// desired count per Deployment); podsOf refines it.
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
		terminating := s.TerminatingReplicas != nil && *s.TerminatingReplicas > 0
		if !current || s.UpdatedReplicas != want || s.ReadyReplicas != want || s.AvailableReplicas != want || s.Replicas != want || terminating {
			st.Done = false
		}
		if !current || st.Failed {
			continue
		}
		for _, c := range s.Conditions {
			switch {
			case c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded":
				st.Failed = true
				st.Reason = fmt.Sprintf("Deployment %s made no progress: %s", d.Metadata.Name, c.Message)
			case c.Type == "ReplicaFailure" && c.Status == "True" && !strings.Contains(c.Message, noServiceAccountYet):
				st.Failed = true
				st.Reason = fmt.Sprintf("Deployment %s cannot create its pods: %s", d.Metadata.Name, c.Message)
			}
		}
	}
	if st.Failed {
		st.Done = false
	}
	return st
}

// podsOf refines a rollout in progress with the application's pods: Ready
// counts only the ready pods of the release being rolled out (not the old
// ReplicaSet's, which the Deployment's readyReplicas includes), and the
// rollout has failed when a container of the release crash-loops
// (CrashLoopRestarts) or waits for something no retry cures.
func podsOf(st pipeline.RolloutStatus, live []Deployment, pods []Pod, release int64) pipeline.RolloutStatus {
	version := strconv.FormatInt(release, 10)
	ready := map[string]int32{}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Metadata.Name < pods[j].Metadata.Name })
	for _, p := range pods {
		if p.Metadata.Labels[LabelReleaseVersion] != version || p.Metadata.DeletionTimestamp != nil {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready[p.Metadata.Labels[LabelProcess]]++
			}
		}
		for _, c := range p.Status.ContainerStatuses {
			w := c.State.Waiting
			switch {
			case st.Failed || w == nil:
			case w.Reason == "CrashLoopBackOff" && c.RestartCount >= CrashLoopRestarts:
				st.Failed = true
				st.Reason = fmt.Sprintf("pod %s crash-loops: container %s restarted %d times", p.Metadata.Name, c.Name, c.RestartCount)
				if t := c.LastState.Terminated; t != nil {
					st.Reason += fmt.Sprintf(", last exit code %d (%s)", t.ExitCode, t.Reason)
				}
			case stuckReasons[w.Reason]:
				st.Failed = true
				st.Reason = fmt.Sprintf("pod %s cannot start container %s: %s: %s", p.Metadata.Name, c.Name, w.Reason, w.Message)
			}
		}
	}
	st.Ready = 0
	for _, d := range live {
		want := int32(0)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		st.Ready += int(min(ready[d.Spec.Template.Metadata.Labels[LabelProcess]], want))
	}
	if st.Failed {
		st.Done = false
	}
	return st
}
