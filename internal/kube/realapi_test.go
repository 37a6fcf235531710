package kube_test

// The adapter against a real control plane (package kubetest: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok nodes).
// `make test-kube` builds the binaries and runs these; plain `go test`
// skips them. Every test works in namespaces of its own, so they run in
// parallel on the one shared control plane.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/kube/kubetest"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

// rolloutTimeout bounds a rollout on kwok nodes (they take well under a second).
const rolloutTimeout = 60 * time.Second

const appImage = "registry.invalid/slipway/app:1"

// newWorkload is a web (2 replicas) + worker (1) workload in a namespace
// of its own.
func newWorkload(t *testing.T) pipeline.Workload {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	org := "t" + hex.EncodeToString(b)
	return pipeline.Workload{
		Namespace: platform.OrganizationNamespace(org), Name: "shop-api", ApplicationID: "0190f0c4-7a3e-7c2e-9d1a-" + hex.EncodeToString(b) + "0000",
		ReleaseID: "rel-1", ReleaseVersion: 1, ImageURI: appImage,
		Processes:     map[string]string{"web": "gunicorn app:app", "worker": "./bin/worker", "release": "./bin/migrate"},
		ProcessCounts: map[string]int{"web": 2, "worker": 1},
		// The default host of the web process (a routed cluster's Ingress).
		OrganizationSlug: org, ProjectSlug: "shop", ApplicationSlug: "api",
	}
}

func deploymentPath(w pipeline.Workload, process string) string {
	return "/apis/apps/v1/namespaces/" + w.Namespace + "/deployments/" + kube.ObjectName(w.Name, process)
}

// waitRollout polls RolloutStatus until the rollout is done or failed.
func waitRollout(t *testing.T, k *kube.Cluster, w pipeline.Workload) pipeline.RolloutStatus {
	t.Helper()
	var st pipeline.RolloutStatus
	kubetest.Eventually(t, rolloutTimeout, func() error {
		var err error
		st, err = k.RolloutStatus(context.Background(), w)
		if err != nil {
			return err
		}
		if !st.Done && !st.Failed {
			return fmt.Errorf("rollout still in progress: %+v", st)
		}
		return nil
	})
	return st
}

func applyOK(t *testing.T, k *kube.Cluster, w pipeline.Workload) {
	t.Helper()
	if err := k.Apply(context.Background(), w); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// Apply, re-apply (no generation bump, quantities read back normalised),
// a real rollout to Done through the controllers, and prune.
func TestRealApplyRolloutPrune(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	// "worker-clock": Render deploys only web*, worker* and tcp* processes.
	w.Processes["worker-clock"] = "./bin/clock"
	w.ProcessCounts["worker-clock"] = 1
	applyOK(t, k, w)
	st := waitRollout(t, k, w)
	if !st.Done || st.Desired != 4 || st.Ready != 4 {
		t.Fatalf("rollout %+v, want done with 4 of 4 ready", st)
	}
	var web kube.Deployment
	cp.Get(t, deploymentPath(w, "web"), &web)
	if web.Status.ObservedGeneration != web.Metadata.Generation || web.Metadata.Generation != 1 {
		t.Fatalf("generation %d, observed %d", web.Metadata.Generation, web.Status.ObservedGeneration)
	}
	// The default pod class asks for 1000m/1024Mi: the server keeps the canonical form.
	if got := web.Spec.Template.Spec.Containers[0].Resources.Limits; got["cpu"] != "1" || got["memory"] != "1536Mi" {
		t.Errorf("limits read back as %v", got)
	}
	applyOK(t, k, w) // again: nothing changes
	var again kube.Deployment
	cp.Get(t, deploymentPath(w, "web"), &again)
	if again.Metadata.Generation != 1 {
		t.Fatalf("re-applying bumped the generation to %d", again.Metadata.Generation)
	}

	// A new release rolls out; a removed process is pruned.
	next := w
	next.ReleaseVersion, next.ImageURI = 2, "registry.invalid/slipway/app:2"
	next.Processes = map[string]string{"web": "gunicorn app:app", "worker": "./bin/worker"}
	applyOK(t, k, next)
	if st := waitRollout(t, k, next); !st.Done || st.Ready != 3 {
		t.Fatalf("second rollout %+v", st)
	}
	code, _, _ := cp.Do(context.Background(), cp.AdminToken, http.MethodGet, deploymentPath(w, "worker-clock"), nil)
	if code != http.StatusNotFound {
		t.Fatalf("the removed clock process's Deployment: %d, want 404", code)
	}
}

// "Done" only once the old release's pods are gone (they stay terminating
// for 4 s here), and Ready counts only the new release's pods.
func TestRealRolloutWaitsForTerminatingPods(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	w.ImageURI = kubetest.SlowStopImage
	applyOK(t, k, w)
	waitRollout(t, k, w)

	next := w
	next.ReleaseVersion, next.ImageURI = 2, appImage
	applyOK(t, k, next)
	sawTerminating := false
	kubetest.Eventually(t, rolloutTimeout, func() error {
		st, err := k.RolloutStatus(context.Background(), next)
		if err != nil {
			return err
		}
		var pods struct {
			Items []kube.Pod `json:"items"`
		}
		cp.Get(t, "/api/v1/namespaces/"+w.Namespace+"/pods", &pods)
		terminating, newReady := 0, 0
		for _, p := range pods.Items {
			switch {
			case p.Metadata.DeletionTimestamp != nil:
				terminating++
			case p.Metadata.Labels[kube.LabelReleaseVersion] == "2" && slices.ContainsFunc(p.Status.Conditions, func(c kube.Condition) bool { return c.Type == "Ready" && c.Status == "True" }):
				newReady++
			}
		}
		if terminating > 0 {
			sawTerminating = true
		}
		if st.Ready > newReady {
			t.Fatalf("Ready %d, but only %d pods of the new release are ready", st.Ready, newReady)
		}
		// The listing comes after the status: a pod seen terminating after "done" would be one
		// deleted in between, which no further rollout causes here.
		if st.Done && terminating > 0 {
			t.Fatalf("rollout reported done while %d old pods still terminate", terminating)
		}
		if !st.Done {
			return fmt.Errorf("in progress: %+v, %d terminating", st, terminating)
		}
		return nil
	})
	if !sawTerminating {
		t.Log("no old pod was seen terminating (the rollout outran the polls)")
	}
}

// Kubernetes keeps Progressing=True while a pod crash-loops; the adapter
// fails the rollout from the pods, long before the progress deadline.
func TestRealCrashLoopFails(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	w.ImageURI = kubetest.CrashLoopImage
	applyOK(t, k, w)
	st := waitRollout(t, k, w)
	if !st.Failed || !strings.Contains(st.Reason, "crash-loops: container") || !strings.Contains(st.Reason, "last exit code 1") {
		t.Fatalf("rollout %+v, want a crash-loop failure", st)
	}
	var web kube.Deployment
	cp.Get(t, deploymentPath(w, "web"), &web)
	for _, c := range web.Status.Conditions {
		if c.Type == "Progressing" && c.Status != "True" {
			t.Errorf("Kubernetes itself reports %+v (the adapter expects it not to have noticed)", c)
		}
	}
}

// ProgressDeadlineExceeded from the real Deployment controller (the
// deadline shortened to 1 s by another field manager).
func TestRealProgressDeadlineExceeded(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	w.ImageURI = kubetest.NeverReadyImage
	w.Processes = map[string]string{"worker": "./bin/worker"}
	applyOK(t, k, w)
	cp.MustDo(t, http.MethodPatch, deploymentPath(w, "worker")+"?fieldManager=test-deadline&force=true", map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": kube.ObjectName(w.Name, "worker")},
		"spec": map[string]any{"progressDeadlineSeconds": 1},
	})
	st := waitRollout(t, k, w)
	if !st.Failed || !strings.Contains(st.Reason, "made no progress") {
		t.Fatalf("rollout %+v, want ProgressDeadlineExceeded", st)
	}
}

// Pods that cannot be created: the Deployment reports ReplicaFailure and
// the rollout fails with the reason (Pod Security, quota).
func TestRealPodsCannotBeCreated(t *testing.T) {
	cp := kubetest.Shared(t)
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, w *pipeline.Workload)
		reason string
	}{
		{"pod security", func(t *testing.T, w *pipeline.Workload) {
			w.Privileged = true
			cp.MustDo(t, http.MethodPatch, "/api/v1/namespaces/"+w.Namespace+"?fieldManager=test&force=true", map[string]any{
				"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": w.Namespace,
					"labels": map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}})
		}, `violates PodSecurity "baseline:latest": privileged`},
		{"quota", func(t *testing.T, w *pipeline.Workload) {
			cp.MustDo(t, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": w.Namespace}})
			cp.MustDo(t, http.MethodPost, "/api/v1/namespaces/"+w.Namespace+"/resourcequotas", map[string]any{
				"metadata": map[string]any{"name": "pods"}, "spec": map[string]any{"hard": map[string]string{"pods": "1"}}})
			waitQuota(t, cp, w.Namespace, "pods")
		}, "exceeded quota: pods"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := cp.Cluster(t, cp.AdminToken)
			w := newWorkload(t)
			if tc.name == "pod security" { // the namespace must exist to be labelled
				cp.MustDo(t, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": w.Namespace}})
			}
			tc.setup(t, &w)
			applyOK(t, k, w)
			st := waitRollout(t, k, w)
			if !st.Failed || !strings.Contains(st.Reason, "cannot create its pods") || !strings.Contains(st.Reason, tc.reason) {
				t.Fatalf("rollout %+v, want failed with %q", st, tc.reason)
			}
		})
	}
}

// waitQuota waits until the quota controller has computed the quota's usage
// (until then the quota admission refuses every create it covers).
func waitQuota(t *testing.T, cp *kubetest.ControlPlane, ns, name string) {
	kubetest.Eventually(t, 30*time.Second, func() error {
		var q struct {
			Status struct {
				Used map[string]string `json:"used"`
			} `json:"status"`
		}
		cp.Get(t, "/api/v1/namespaces/"+ns+"/resourcequotas/"+name, &q)
		if q.Status.Used == nil {
			return errors.New("quota usage not computed yet")
		}
		return nil
	})
}

// Refusals and how the adapter classifies them: an exceeded quota and RBAC
// are permanent (and not "credentials rejected"), a terminating namespace
// is retryable.
func TestRealRefusals(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Run("quota on services", func(t *testing.T) {
		t.Parallel()
		w := newWorkload(t)
		cp.MustDo(t, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": w.Namespace}})
		cp.MustDo(t, http.MethodPost, "/api/v1/namespaces/"+w.Namespace+"/resourcequotas", map[string]any{
			"metadata": map[string]any{"name": "services"}, "spec": map[string]any{"hard": map[string]string{"services": "0"}}})
		waitQuota(t, cp, w.Namespace, "services")
		err := cp.Cluster(t, cp.AdminToken).Apply(context.Background(), w)
		var api *kube.APIError
		if !errors.As(err, &api) || !api.QuotaExceeded() || api.Unauthorized() || platform.IsCode(err, platform.CodeUnavailable) {
			t.Fatalf("Apply: %v, want a permanent quota refusal", err)
		}
		if !strings.Contains(err.Error(), "a resource quota of the namespace is exceeded") {
			t.Fatalf("message %q", err)
		}
	})
	t.Run("no rights", func(t *testing.T) {
		t.Parallel()
		err := cp.Cluster(t, cp.NoRightsToken).Apply(context.Background(), newWorkload(t))
		var api *kube.APIError
		if !errors.As(err, &api) || api.StatusCode != http.StatusForbidden || !api.Unauthorized() || platform.IsCode(err, platform.CodeUnavailable) {
			t.Fatalf("Apply: %v, want a permanent RBAC refusal", err)
		}
		if !strings.Contains(err.Error(), "refused Slipway's RBAC rights") {
			t.Fatalf("message %q", err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		t.Parallel()
		err := cp.Cluster(t, "not-a-token").Apply(context.Background(), newWorkload(t))
		if err == nil || !strings.Contains(err.Error(), "cluster credentials rejected") || platform.IsCode(err, platform.CodeUnavailable) {
			t.Fatalf("Apply: %v", err)
		}
	})
	t.Run("terminating namespace", func(t *testing.T) {
		t.Parallel()
		k := cp.Cluster(t, cp.AdminToken)
		w := newWorkload(t)
		applyOK(t, k, w)
		// A finalizer holds the namespace in Terminating.
		cmPath := "/api/v1/namespaces/" + w.Namespace + "/configmaps"
		cp.MustDo(t, http.MethodPost, cmPath, map[string]any{"metadata": map[string]any{"name": "hold", "finalizers": []string{"slipway.test/hold"}}})
		t.Cleanup(func() { // release the namespace: drop the finalizer (an update, so that it really goes)
			var cm map[string]any
			cp.Get(t, cmPath+"/hold", &cm)
			delete(cm["metadata"].(map[string]any), "finalizers")
			_, _, _ = cp.Do(context.Background(), cp.AdminToken, http.MethodPut, cmPath+"/hold", cm)
		})
		cp.MustDo(t, http.MethodDelete, "/api/v1/namespaces/"+w.Namespace, nil)
		next := w
		next.Processes = map[string]string{"web": "./web", "web-admin": "./admin"}
		err := k.Apply(context.Background(), next)
		var api *kube.APIError
		if !errors.As(err, &api) || !api.NamespaceTerminating() || !platform.IsCode(err, platform.CodeUnavailable) || api.Unauthorized() {
			t.Fatalf("Apply into a terminating namespace: %v, want a retryable error", err)
		}
	})
}

// Scale patches replicas and resources only; a missing Deployment or
// namespace is a 404 (a patch never creates).
func TestRealScale(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	applyOK(t, k, w)
	next := w
	next.ReleaseVersion, next.ImageURI = 2, "registry.invalid/slipway/app:2"
	applyOK(t, k, next)

	scaled := w // the caller's view may be a release behind: the image must stay
	large, _ := platform.LookupPodClass("c1.large")
	scaled.ProcessCounts = map[string]int{"web": 3, "worker": 0}
	scaled.PodClasses = map[string]platform.PodClass{"web": large}
	if err := k.Scale(context.Background(), scaled); err != nil {
		t.Fatal(err)
	}
	var web kube.Deployment
	cp.Get(t, deploymentPath(w, "web"), &web)
	c := web.Spec.Template.Spec.Containers[0]
	if *web.Spec.Replicas != 3 || c.Image != next.ImageURI || c.Resources.Limits["cpu"] != "1500m" || c.ReadinessProbe == nil {
		t.Fatalf("after scale: replicas %d, image %s, resources %v", *web.Spec.Replicas, c.Image, c.Resources)
	}
	missing := newWorkload(t)
	if err := k.Scale(context.Background(), missing); !kube.IsNotFound(err) || platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("scale into a missing namespace: %v, want a 404", err)
	}
}

// An application deleted and re-created under the same name has a new id,
// so its Deployments' (immutable) selectors differ: Apply replaces them.
func TestRealRecreatedApplication(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k := cp.Cluster(t, cp.AdminToken)
	w := newWorkload(t)
	applyOK(t, k, w)
	again := w
	again.ApplicationID = "0190f0c4-0000-7000-8000-00000000cafe"
	applyOK(t, k, again)
	var web kube.Deployment
	cp.Get(t, deploymentPath(w, "web"), &web)
	if got := web.Spec.Selector.MatchLabels[kube.LabelApplicationID]; got != again.ApplicationID {
		t.Fatalf("selector names %s, want the new application %s", got, again.ApplicationID)
	}
	if st := waitRollout(t, k, again); !st.Done {
		t.Fatalf("rollout %+v", st)
	}
}

// What Render emits passes strict field validation and the Pod Security
// "restricted" check raises warnings the adapter reports.
func TestRealFieldValidationAndWarnings(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	w := newWorkload(t)
	w.Processes["tcp"] = "./bin/tcp"
	w.HealthCheckHost = "api.example.com"
	cp.MustDo(t, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": w.Namespace,
		"labels": map[string]string{"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/enforce": "baseline"}}})
	objs, err := kube.Render(w)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]any{}
	for _, d := range objs.Deployments {
		paths[deploymentPath(w, d.Spec.Template.Metadata.Labels[kube.LabelProcess])] = d
	}
	for _, s := range objs.Services {
		paths["/api/v1/namespaces/"+w.Namespace+"/services/"+s.Metadata.Name] = s
	}
	for path, obj := range paths {
		code, body, err := cp.Do(context.Background(), cp.AdminToken, http.MethodPatch, path+"?fieldManager=slipway&force=true&fieldValidation=Strict&dryRun=All", obj)
		if err != nil || code != http.StatusOK && code != http.StatusCreated {
			t.Errorf("strict dry-run apply of %s: %d %s %v", path, code, body, err)
		}
	}

	var mu sync.Mutex
	var warnings []string
	cfg := cp.Config(cp.AdminToken)
	cfg.OnWarning = func(method, path, warning string) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, warning)
	}
	k, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	applyOK(t, k, w)
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(warnings, func(s string) bool { return strings.Contains(s, `would violate PodSecurity "restricted:latest"`) }) {
		t.Fatalf("warnings %q, want the Pod Security notice", warnings)
	}
	if st := waitRollout(t, k, w); !st.Done {
		t.Fatalf("the rendered pods pass Pod Security baseline: rollout %+v", st)
	}
}

// Facts of the real server that the adapter and its fake rely on.
func TestRealServerFacts(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	w := newWorkload(t)
	k := cp.Cluster(t, cp.AdminToken)
	applyOK(t, k, w)
	ctx := context.Background()
	web := deploymentPath(w, "web")

	// Server-side apply of a field outside the schema: a 500, whatever fieldValidation says
	// (kubernetes#122480); the adapter does not retry it.
	bad := fmt.Appendf(nil, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q},"spec":{"bogus":1}}`, kube.ObjectName(w.Name, "web"))
	code, body, err := cp.Do(ctx, cp.AdminToken, http.MethodPatch, web+"?fieldManager=slipway&force=true&fieldValidation=Strict", bad)
	if err != nil || code != http.StatusInternalServerError || !strings.Contains(string(body), "failed to create typed patch object") {
		t.Errorf("apply outside the schema: %d %s %v", code, body, err)
	}
	// An image with a space passes Deployment validation (so Render refuses it), a negative
	// release version makes an invalid label (Render refuses it too).
	spaced := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "spaced"},
		"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]string{"a": "b"}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]string{"a": "b"}},
				"spec": map[string]any{"containers": []map[string]any{{"name": "c", "image": "nginx latest"}}}}}}
	code, body, _ = cp.Do(ctx, cp.AdminToken, http.MethodPatch, "/apis/apps/v1/namespaces/"+w.Namespace+"/deployments/spaced?fieldManager=t&force=true&dryRun=All", spaced)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Errorf("a Deployment with an image with a space: %d %s (the server used to accept it)", code, body)
	}
	for _, change := range []func(*pipeline.Workload){
		func(w *pipeline.Workload) { w.ImageURI = "nginx latest" },
		func(w *pipeline.Workload) { w.ReleaseVersion = -1 },
	} {
		v := w
		change(&v)
		if _, err := kube.Render(v); err == nil {
			t.Errorf("Render accepted %+v", v)
		}
	}
	// A DELETE of an object no finalizer keeps (without a propagationPolicy, or with the
	// adapter's Background) answers 200 with a v1 Status "Success" naming it, not the object;
	// with Foreground (or Orphan) a finalizer keeps it and the answer is the object, marked
	// for deletion. The adapter's delete accepts any 2xx and reads no body.
	worker := deploymentPath(w, "worker")
	code, body, err = cp.Do(ctx, cp.AdminToken, http.MethodDelete, worker+"?propagationPolicy=Foreground", nil)
	var kept struct {
		Kind     string
		Metadata struct {
			DeletionTimestamp string
			Finalizers        []string
		}
	}
	if err != nil || code/100 != 2 || json.Unmarshal(body, &kept) != nil || kept.Kind != "Deployment" || kept.Metadata.DeletionTimestamp == "" ||
		!slices.Contains(kept.Metadata.Finalizers, "foregroundDeletion") {
		t.Errorf("Foreground DELETE answered %d %s %v", code, body, err)
	}
	code, body, err = cp.Do(ctx, cp.AdminToken, http.MethodDelete, web+"?propagationPolicy=Background", nil)
	var answer struct {
		Kind, Status string
		Details      struct{ Name, Kind string }
	}
	if err != nil || code != http.StatusOK || json.Unmarshal(body, &answer) != nil || answer.Kind != "Status" || answer.Status != "Success" ||
		answer.Details.Name != kube.ObjectName(w.Name, "web") || answer.Details.Kind != "deployments" {
		t.Errorf("Background DELETE answered %d %s %v", code, body, err)
	}
	// A patch of what does not exist is a 404 (the fake answers the same).
	code, _, _ = cp.Do(ctx, cp.AdminToken, http.MethodGet, web, nil)
	if code != http.StatusNotFound {
		t.Errorf("deleted Deployment: %d", code)
	}
}

// `slipway dev --cluster kubeconfig=PATH` drives the real cluster: the
// kubeconfig the harness writes (a token and a CA file) reaches it.
func TestRealDevCluster(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	k, err := devstack.ClusterFromSpec("kubeconfig=" + cp.Kubeconfig + ",context=kubetest")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkload(t)
	if err := k.Apply(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	kubetest.Eventually(t, rolloutTimeout, func() error {
		st, err := k.RolloutStatus(context.Background(), w)
		if err != nil || !st.Done {
			return fmt.Errorf("rollout %+v, %v", st, err)
		}
		return nil
	})
}
