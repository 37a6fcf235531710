package kube_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/kube/kubetest"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestRealIngresses: as the pipeline's group (RBAC of
// infra/kubernetes/rbac.yaml), Apply creates the web process's Ingress
// with its default host and custom domains, the API server accepts it as
// rendered (cert-manager TLS), ApplyRoutes takes a removed domain off it,
// RouteStatus reads it (no load balancer on this cluster, no cert-manager:
// routed, not ready, no error), and Remove deletes it.
func TestRealIngresses(t *testing.T) {
	cp := kubetest.Shared(t)
	t.Parallel()
	cp.ApplyManifests(t, "../../infra/kubernetes/rbac.yaml")
	cfg := cp.Config(cp.PipelineToken)
	cfg.Routing = kube.Routing{AppsDomain: "apps.example.net", IngressClass: "nginx", TLS: kube.TLSCertManager, ClusterIssuer: "letsencrypt"}
	k, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := newWorkload(t)
	w.OrganizationSlug = "acme"
	w.Domains = []string{"www.example.com", "shop.example.org"}
	kubetest.Eventually(t, 20*time.Second, func() error {
		err := k.Apply(ctx, w)
		if err != nil && !platform.IsCode(err, platform.CodeUnavailable) {
			t.Fatalf("Apply: %v", err)
		}
		return err
	})
	path := "/apis/networking.k8s.io/v1/namespaces/" + w.Namespace + "/ingresses/" + kube.ObjectName(w.Name, "web")
	hosts := func() []string {
		code, body, err := cp.Do(ctx, cp.AdminToken, http.MethodGet, path, nil)
		if err != nil || code != http.StatusOK {
			t.Fatalf("GET the Ingress: %d %s %v", code, body, err)
		}
		var ing kube.Ingress
		if err := json.Unmarshal(body, &ing); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range ing.Spec.Rules {
			out = append(out, r.Host)
		}
		if len(ing.Spec.TLS) != len(out) || ing.Metadata.Annotations["cert-manager.io/cluster-issuer"] != "letsencrypt" {
			t.Fatalf("the Ingress's TLS: %+v", ing)
		}
		return out
	}
	if got := hosts(); !slices.Equal(got, []string{"api-shop-acme.apps.example.net", "shop.example.org", "www.example.com"}) {
		t.Fatalf("hosts %v", got)
	}
	w.Domains = []string{"www.example.com"}
	if err := k.ApplyRoutes(ctx, w); err != nil {
		t.Fatalf("ApplyRoutes: %v", err)
	}
	if got := hosts(); !slices.Equal(got, []string{"api-shop-acme.apps.example.net", "www.example.com"}) {
		t.Fatalf("hosts after removing a domain: %v", got)
	}
	st, err := k.RouteStatus(ctx, w)
	if err != nil {
		t.Fatalf("RouteStatus: %v", err)
	}
	if s := st["www.example.com"]; !s.Routed || s.TLSReady || s.Target != "" || len(st) != 2 {
		t.Fatalf("route status %+v", st)
	}
	if err := k.Remove(ctx, w.Namespace, w.ApplicationID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if code, _, _ := cp.Do(ctx, cp.AdminToken, http.MethodGet, path, nil); code != http.StatusNotFound {
		t.Fatalf("the Ingress after Remove: %d", code)
	}
}
