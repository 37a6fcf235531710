package kube_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/kube/kubetest"
	"github.com/slipway-paas/slipway/internal/pipeline"
)

// The release's config Secret on a real API server: created immutable
// with every var, referenced by the pod templates, kept by a re-apply,
// and pruned once the next release's rollout is done (the old
// ReplicaSet scaled down and its pods gone).
func TestRealConfigSecret(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	w.ConfigVersion = 1
	w.Env = pipeline.NewEnv(map[string]string{"DATABASE_URL": "postgres://u:p@db/app", "LOG_LEVEL": "info"})
	applyOK(t, k, w)
	if st := waitRollout(t, k, w); !st.Done {
		t.Fatalf("rollout %+v", st)
	}
	secretPath := func(w pipeline.Workload) string {
		return "/api/v1/namespaces/" + w.Namespace + "/secrets/" + kube.ConfigSecretName(w)
	}
	var s kube.Secret
	cp.Get(t, secretPath(w), &s)
	if s.Immutable == nil || !*s.Immutable || string(s.Data["DATABASE_URL"]) != "postgres://u:p@db/app" || string(s.Data["LOG_LEVEL"]) != "info" ||
		s.Metadata.Labels[kube.LabelConfigVersion] != "1" || s.Metadata.Labels[kube.LabelApplicationID] != w.ApplicationID {
		t.Fatalf("Secret %+v", s)
	}
	var web kube.Deployment
	cp.Get(t, deploymentPath(w, "web"), &web)
	if from := web.Spec.Template.Spec.Containers[0].EnvFrom; len(from) != 1 || from[0].SecretRef == nil || from[0].SecretRef.Name != kube.ConfigSecretName(w) {
		t.Fatalf("envFrom %+v", from)
	}
	applyOK(t, k, w) // a retried deploy: the Secret exists and is the same

	next := w
	next.ReleaseVersion, next.ConfigVersion = 2, 2
	next.Env = pipeline.NewEnv(map[string]string{"LOG_LEVEL": "debug"})
	applyOK(t, k, next)
	code, _, _ := cp.Do(context.Background(), cp.AdminToken, http.MethodGet, secretPath(w), nil)
	if code != http.StatusOK {
		t.Fatalf("release 1's Secret while its pods may still run: %d, want 200", code)
	}
	if st := waitRollout(t, k, next); !st.Done {
		t.Fatalf("second rollout %+v", st)
	}
	kubetest.Eventually(t, rolloutTimeout, func() error {
		if _, err := k.RolloutStatus(context.Background(), next); err != nil {
			return err
		}
		if code, _, _ := cp.Do(context.Background(), cp.AdminToken, http.MethodGet, secretPath(w), nil); code != http.StatusNotFound {
			return fmt.Errorf("release 1's Secret: %d, want 404 once its ReplicaSet is down", code)
		}
		return nil
	})
	s = kube.Secret{} // decoding into the old value would merge its map
	cp.Get(t, secretPath(next), &s)
	if string(s.Data["LOG_LEVEL"]) != "debug" || len(s.Data) != 1 {
		t.Fatalf("release 2's Secret %+v", s.Data)
	}
	if err := k.Remove(context.Background(), w.Namespace, w.ApplicationID); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := cp.Do(context.Background(), cp.AdminToken, http.MethodGet, secretPath(next), nil); code != http.StatusNotFound {
		t.Fatalf("after Remove, release 2's Secret: %d", code)
	}
}
