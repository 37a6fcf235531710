package kube

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// testRouting is the routing of the fake API's cluster.
var testRouting = Routing{AppsDomain: "apps.example.net", IngressClass: "nginx", TLS: TLSCertManager, ClusterIssuer: "letsencrypt"}

const ingressWebPath = "/apis/networking.k8s.io/v1/namespaces/acme/ingresses/shop-api-web"

// The web process's Ingress under cert-manager, in full.
const wantWebIngress = `{
  "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
  "metadata": {"name": "shop-api-web", "namespace": "acme",
    "labels": {"app.kubernetes.io/instance": "shop-api-web", "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
      "slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "web", "slipway.dev/release-version": "7"},
    "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}},
  "spec": {
    "ingressClassName": "nginx",
    "tls": [
      {"hosts": ["api-shop-acme.apps.example.net"], "secretName": "tls-api-shop-acme-apps-example-net"},
      {"hosts": ["www.example.com"], "secretName": "tls-www-example-com"}],
    "rules": [
      {"host": "api-shop-acme.apps.example.net", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "shop-api-web", "port": {"number": 80}}}}]}},
      {"host": "www.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "shop-api-web", "port": {"number": 80}}}}]}}]
  }
}`

func jsonEqual(t *testing.T, got any, want string) {
	t.Helper()
	b, _ := json.Marshal(got)
	var g, w any
	_ = json.Unmarshal(b, &g)
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestRenderIngresses(t *testing.T) {
	w := testWorkload()
	w.Processes["web-admin"] = "./admin"
	ings, err := RenderIngresses(w, testRouting)
	must(t, err)
	if len(ings) != 2 || ings[0].Metadata.Name != "shop-api-web" || ings[1].Metadata.Name != "shop-api-web-admin" {
		t.Fatalf("ingresses: %+v", ings)
	}
	jsonEqual(t, ings[0], wantWebIngress)
	// Another web process gets its default host only, no custom domain.
	if r := ings[1].Spec.Rules; len(r) != 1 || r[0].Host != "web-admin-api-shop-acme--"+r[0].Host[len("web-admin-api-shop-acme--"):] || !strings.HasSuffix(r[0].Host, ".apps.example.net") {
		t.Errorf("web-admin rules: %+v", r)
	}

	acm := Routing{AppsDomain: "apps.example.net", IngressClass: "alb", TLS: TLSACM}
	ings, err = RenderIngresses(testWorkload(), acm)
	must(t, err)
	if tls := ings[0].Spec.TLS; len(tls) != 1 || tls[0].SecretName != "" || len(tls[0].Hosts) != 2 {
		t.Errorf("ACM TLS: %+v", tls)
	}
	if a := ings[0].Metadata.Annotations; a["alb.ingress.kubernetes.io/group.name"] != AWSLoadBalancerGroup || a["alb.ingress.kubernetes.io/scheme"] != "internet-facing" {
		t.Errorf("ACM annotations: %v", a)
	}
	ings, err = RenderIngresses(testWorkload(), Routing{AppsDomain: "apps.example.net", TLS: TLSNone})
	must(t, err)
	if len(ings[0].Spec.TLS) != 0 || ings[0].Metadata.Annotations != nil || ings[0].Spec.IngressClassName != "" {
		t.Errorf("no TLS: %+v", ings[0])
	}
	// No apps domain, or no web process: no Ingress.
	if ings, _ := RenderIngresses(testWorkload(), Routing{}); len(ings) != 0 {
		t.Errorf("no apps domain: %+v", ings)
	}
	noWeb := testWorkload()
	delete(noWeb.Processes, "web")
	if ings, _ := RenderIngresses(noWeb, testRouting); len(ings) != 0 {
		t.Errorf("no web process: %+v", ings)
	}
	// A domain that is not a hostname, or is a default host, never renders.
	for _, d := range []string{"Bad.example.com", "x.apps.example.net", "a b.example.com"} {
		bad := testWorkload()
		bad.Domains = []string{d}
		if _, err := RenderIngresses(bad, testRouting); err == nil {
			t.Errorf("domain %q rendered", d)
		}
	}
}

func TestTLSSecretName(t *testing.T) {
	long := strings.Repeat("a", 60) + ".example.com"
	for _, host := range []string{"www.example.com", long} {
		n := TLSSecretName(host)
		if len(n) > 63 || !dns1035.MatchString(n) || TLSSecretName(host) != n {
			t.Errorf("TLSSecretName(%q) = %q", host, n)
		}
	}
	if TLSSecretName(long) == TLSSecretName(strings.Repeat("a", 60)+".example.org") {
		t.Error("two long hosts share a secret")
	}
}

// TestApplyPrunesIngresses: a domain or a web process that goes away goes
// from the cluster with the next Apply; Remove deletes the Ingresses.
func TestApplyPrunesIngresses(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	ctx := context.Background()
	w := testWorkload()
	w.Processes["web-admin"] = "./admin"
	must(t, k.Apply(ctx, w))
	adminPath := "/apis/networking.k8s.io/v1/namespaces/acme/ingresses/shop-api-web-admin"
	if api.object(ingressWebPath) == nil || api.object(adminPath) == nil {
		t.Fatalf("ingresses not applied: %v", api.paths())
	}
	w = testWorkload()
	w.Domains = nil
	must(t, k.Apply(ctx, w))
	if api.object(adminPath) != nil {
		t.Error("the web-admin Ingress was not pruned")
	}
	var ing Ingress
	must(t, json.Unmarshal(api.object(ingressWebPath), &ing))
	if len(ing.Spec.Rules) != 1 || len(ing.Spec.TLS) != 1 {
		t.Errorf("the removed domain is still routed: %+v", ing.Spec)
	}
	must(t, k.Remove(ctx, w.Namespace, w.ApplicationID))
	if api.object(ingressWebPath) != nil {
		t.Error("Remove left the Ingress")
	}
}

// TestRouteStatus: hosts are routed once the Ingress exists, get the load
// balancer the controller reported, and are ready with their Certificate.
func TestRouteStatus(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	ctx := context.Background()
	w := testWorkload()
	st, err := k.RouteStatus(ctx, w)
	must(t, err)
	if len(st) != 0 {
		t.Fatalf("before Apply: %+v", st)
	}
	must(t, k.Apply(ctx, w))
	ings, _ := RenderIngresses(w, testRouting)
	live := ings[0]
	live.Status.LoadBalancer.Ingress = append(live.Status.LoadBalancer.Ingress, struct {
		Hostname string `json:"hostname,omitempty"`
		IP       string `json:"ip,omitempty"`
	}{Hostname: "k8s-lb.elb.amazonaws.com"})
	api.seed(ingressWebPath, live)
	ready := Certificate{}
	ready.Status.Conditions = []Condition{{Type: "Ready", Status: "True"}}
	api.seed(certificatesPath("acme")+"/tls-api-shop-acme-apps-example-net", ready)
	failed := Certificate{}
	failed.Status.Conditions = []Condition{{Type: "Ready", Status: "False"}, {Type: "Issuing", Status: "False", Reason: "Failed", Message: "404 on the HTTP-01 challenge"}}
	api.seed(certificatesPath("acme")+"/tls-www-example-com", failed)
	st, err = k.RouteStatus(ctx, w)
	must(t, err)
	want := map[string]platform.RouteState{
		"api-shop-acme.apps.example.net": {Routed: true, Target: "k8s-lb.elb.amazonaws.com", TLSReady: true},
		"www.example.com":                {Routed: true, Target: "k8s-lb.elb.amazonaws.com", Problem: "the certificate could not be issued: 404 on the HTTP-01 challenge"},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("route status\n got %+v\nwant %+v", st, want)
	}
}
