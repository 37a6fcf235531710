package kube_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/kube/kubetest"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestRealRBAC applies infra/kubernetes/rbac.yaml and proves it exactly
// enough on the real API server: every call of the adapter succeeds with
// the functions' groups, and the groups hold nothing more (rules reviews
// and access reviews), nor anything outside slipway-* namespaces.
func TestRealRBAC(t *testing.T) {
	cp := kubetest.Shared(t)
	cp.ApplyManifests(t, "../../infra/kubernetes/rbac.yaml")
	ctx := context.Background()

	// The admission policy takes a moment to be loaded: wait until it refuses.
	kubetest.Eventually(t, 30*time.Second, func() error {
		code, body, err := cp.Do(ctx, cp.PipelineToken, http.MethodPost, "/api/v1/namespaces?dryRun=All",
			map[string]any{"metadata": map[string]any{"name": "kube-rogue"}})
		if err != nil || code/100 == 2 || !strings.Contains(string(body), "slipway-") {
			return fmt.Errorf("the pipeline may still create namespace kube-rogue: %d %s %v", code, body, err)
		}
		return nil
	})

	pipe := cp.Cluster(t, cp.PipelineToken)
	scale := cp.Cluster(t, cp.ScaleToken)
	w := newWorkload(t)
	// "worker-clock": Render deploys only web*, worker* and tcp* processes.
	w.Processes["worker-clock"] = "./bin/clock"
	w.ProcessCounts["worker-clock"] = 1
	attempts := 0
	kubetest.Eventually(t, 20*time.Second, func() error {
		attempts++
		err := pipe.Apply(ctx, w)
		if err != nil && !platform.IsCode(err, platform.CodeUnavailable) {
			t.Fatalf("Apply as the pipeline: %v", err)
		}
		return err
	})
	t.Logf("Apply in a new namespace as the pipeline took %d attempt(s)", attempts)
	if st := waitRollout(t, pipe, w); !st.Done {
		t.Fatalf("rollout %+v", st)
	}
	delete(w.Processes, "worker-clock")
	applyOK(t, pipe, w) // prunes the worker-clock Deployment
	if code, _, _ := cp.Do(ctx, cp.AdminToken, http.MethodGet, deploymentPath(w, "worker-clock"), nil); code != http.StatusNotFound {
		t.Fatalf("the pruned worker-clock Deployment: %d, want 404", code)
	}
	w.ProcessCounts["web"] = 3
	if err := scale.Scale(ctx, w); err != nil {
		t.Fatalf("Scale as the applications function: %v", err)
	}
	if st, err := pipe.RolloutStatus(ctx, w); err != nil || st.Desired != 4 {
		t.Fatalf("RolloutStatus as the pipeline: %+v, %v", st, err)
	}

	// The pipeline may read a pod's log (a missing pod: 404, not 403; kwok
	// pods have no log to read), the applications function may not; a job
	// without a pod has no lines.
	logPath := "/api/v1/namespaces/" + w.Namespace + "/pods/no-such-pod/log?container=release&limitBytes=" + strconv.Itoa(kube.JobLogLimitBytes)
	for token, want := range map[string]int{cp.PipelineToken: http.StatusNotFound, cp.ScaleToken: http.StatusForbidden} {
		if code, body, err := cp.Do(ctx, token, http.MethodGet, logPath, nil); err != nil || code != want {
			t.Fatalf("GET a pod's log: %d %s %v, want %d", code, body, err, want)
		}
	}
	jw := w
	jw.Processes = maps.Clone(w.Processes)
	jw.Processes[platform.ProcessRelease] = "./bin/release"
	if lines, err := pipe.JobLogs(ctx, pipeline.Job{Workload: jw, Process: platform.ProcessRelease, DeadlineSeconds: 60}, 0); err != nil || len(lines) != 0 {
		t.Fatalf("JobLogs of a job never run: %q, %v", lines, err)
	}

	// The applications function cannot apply; nobody can leave slipway-* namespaces.
	var api *kube.APIError
	if err := scale.Apply(ctx, newWorkload(t)); !errors.As(err, &api) || !api.Unauthorized() || platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("Apply as the applications function: %v, want a permanent RBAC refusal", err)
	}
	outside := newWorkload(t)
	outside.Namespace = "default"
	if err := pipe.Apply(ctx, outside); err == nil {
		t.Fatal("the pipeline applied a workload in namespace default")
	}
	rogue := map[string]any{"metadata": map[string]any{"name": "slipway-edit"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "slipway-pipeline"},
		"subjects": []map[string]any{{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": kube.PipelineGroup}}}
	for _, ns := range []string{"default", "kube-system"} {
		code, body, _ := cp.Do(ctx, cp.PipelineToken, http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/namespaces/"+ns+"/rolebindings?dryRun=All", rogue)
		if code/100 == 2 {
			t.Errorf("the pipeline may bind its role in %s: %d %s", ns, code, body)
		}
	}
	rogue["roleRef"] = map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"}
	code, body, _ := cp.Do(ctx, cp.PipelineToken, http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/namespaces/"+w.Namespace+"/rolebindings?dryRun=All", rogue)
	if code/100 == 2 {
		t.Errorf("the pipeline may bind admin in its own namespace: %d %s", code, body)
	}

	// Nothing more is granted: what the rules review lists is exactly the manifests' rules.
	pipelineRules := []string{
		"apps/deployments:create", "apps/deployments:delete", "apps/deployments:get", "apps/deployments:list", "apps/deployments:patch",
		"/services:create", "/services:delete", "/services:list", "/services:patch", "/pods:list", "/pods/log:get",
		"batch/jobs:create", "batch/jobs:delete", "batch/jobs:get", "batch/jobs:list", "batch/jobs:patch",
		"/secrets:create", "/secrets:delete", "/secrets:get", "/secrets:list", "apps/replicasets:list",
		"networking.k8s.io/ingresses:create", "networking.k8s.io/ingresses:delete", "networking.k8s.io/ingresses:get",
		"networking.k8s.io/ingresses:list", "networking.k8s.io/ingresses:patch", "cert-manager.io/certificates:get",
		"/namespaces:create", "rbac.authorization.k8s.io/rolebindings:create",
		"rbac.authorization.k8s.io/clusterroles/slipway-api:bind", "rbac.authorization.k8s.io/clusterroles/slipway-pipeline:bind",
	}
	clusterOnly := []string{"/namespaces:create", "rbac.authorization.k8s.io/rolebindings:create",
		"rbac.authorization.k8s.io/clusterroles/slipway-api:bind", "rbac.authorization.k8s.io/clusterroles/slipway-pipeline:bind"}
	for _, tc := range []struct {
		who, token, ns string
		want           []string
	}{
		{"pipeline", cp.PipelineToken, w.Namespace, pipelineRules},
		{"pipeline", cp.PipelineToken, "kube-system", clusterOnly},
		{"applications", cp.ScaleToken, w.Namespace, []string{"apps/deployments:patch"}},
		{"applications", cp.ScaleToken, "kube-system", nil},
		{"no rights", cp.NoRightsToken, w.Namespace, nil},
	} {
		got := rulesReview(t, cp, tc.token, tc.ns)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s in %s may %v\nwant %v", tc.who, tc.ns, got, tc.want)
		}
	}
}

// rulesReview lists what token may do in ns, as "group/resource[/name]:verb",
// without the discovery and self-review rules every authenticated user has.
func rulesReview(t *testing.T, cp *kubetest.ControlPlane, token, ns string) []string {
	t.Helper()
	code, body, err := cp.Do(context.Background(), token, http.MethodPost, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
		map[string]any{"spec": map[string]any{"namespace": ns}})
	if err != nil || code != http.StatusCreated {
		t.Fatalf("rules review: %d %s %v", code, body, err)
	}
	var review struct {
		Status struct {
			ResourceRules []struct {
				Verbs, APIGroups, Resources, ResourceNames []string
			} `json:"resourceRules"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &review); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range review.Status.ResourceRules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			if g == "authorization.k8s.io" || g == "authentication.k8s.io" {
				continue // selfsubject*reviews: every authenticated user
			}
			for _, res := range r.Resources {
				for _, n := range names {
					for _, v := range r.Verbs {
						s := g + "/" + res
						if n != "" {
							s += "/" + n
						}
						out = append(out, s+":"+v)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
