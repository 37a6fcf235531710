package devstack_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/sim"
)

func domainOf(t *testing.T, c client, appID, host string) map[string]any {
	t.Helper()
	status, list := c.do("GET", "/applications/"+appID+"/domains", "")
	if status != 200 {
		t.Fatalf("list domains: %d %v", status, list)
	}
	for _, it := range list["items"].([]any) {
		if d := it.(map[string]any); d["hostname"] == host {
			return d
		}
	}
	return nil
}

// TestLocalDomains is custom domains end to end on the local system, on a
// virtual clock: the default URL once deployed; a domain added is routed
// by the simulated ingress at once and becomes active when its
// certificate is issued; a hostname belongs to one application; a failed
// certificate is an error with its detail; a removed domain leaves the
// ingress at once; a rollback restores the release's domains; the
// teardown frees the hostname.
func TestLocalDomains(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.FailCertificates, cfg.CertificateDelay = []string{"bad.shop.test"}, 2*time.Second
	c, stack, clock := startStack(t, &cfg)
	id := newApp(t, c, "web")
	if _, app := c.do("GET", "/applications/"+id, ""); app["web_url"] != nil {
		t.Fatalf("web_url before any release: %v", app["web_url"])
	}
	if status, body := c.do("POST", "/applications/"+id+"/deploy", ""); status != 202 {
		t.Fatalf("deploy: %d %v", status, body)
	}
	stack.Runner.Wait()
	if _, app := c.do("GET", "/applications/"+id, ""); app["web_url"] != "https://web-demo-demo.apps.localhost" {
		t.Fatalf("web_url: %v", app["web_url"])
	}
	if got := stack.Cluster.Routes(id); !slices.Equal(got, []string{"web-demo-demo.apps.localhost → web"}) {
		t.Fatalf("routes after the deploy: %v", got)
	}

	status, d := c.do("POST", "/applications/"+id+"/domains", `{"hostname":"www.shop.test"}`)
	if status != 201 || d["status"] != "pending" || fmt.Sprint(d["dns_records"]) != "[map[name:www.shop.test type:CNAME value:web-demo-demo.apps.localhost]]" {
		t.Fatalf("add: %d %v", status, d)
	}
	for _, bad := range []string{`{"hostname":"WWW.shop.test"}`, `{"hostname":"shop"}`, `{"hostname":"x.apps.localhost"}`, `{"hostname":""}`} {
		if status, body := c.do("POST", "/applications/"+id+"/domains", bad); status != 422 || !strings.Contains(fmt.Sprint(body["errors"]), "hostname") {
			t.Errorf("%s: %d %v", bad, status, body)
		}
	}
	stack.WaitRouteChecks()
	if got := stack.Cluster.Routes(id); !slices.Contains(got, "www.shop.test → web") {
		t.Fatalf("the added domain is not routed: %v", got)
	}
	if d := domainOf(t, c, id, "www.shop.test"); d["status"] != "pending" {
		t.Fatalf("before the certificate: %v", d)
	}
	clock.Advance(cfg.CertificateDelay)
	if err := stack.Routes.CheckAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := domainOf(t, c, id, "www.shop.test"); d["status"] != "active" || d["detail"] != nil ||
		fmt.Sprint(d["dns_records"]) != "[map[name:www.shop.test type:CNAME value:ingress.apps.localhost]]" {
		t.Fatalf("after the certificate: %v", d)
	}

	other := newApp(t, c, "other")
	if status, body := c.do("POST", "/applications/"+other+"/domains", `{"hostname":"www.shop.test"}`); status != 409 {
		t.Fatalf("another application's hostname: %d %v", status, body)
	}
	if status, body := c.do("POST", "/applications/"+id+"/domains", `{"hostname":"bad.shop.test"}`); status != 201 {
		t.Fatalf("add bad: %d %v", status, body)
	}
	stack.WaitRouteChecks()
	if d := domainOf(t, c, id, "bad.shop.test"); d["status"] != "error" || !strings.Contains(fmt.Sprint(d["detail"]), "certificate could not be issued") {
		t.Fatalf("a failed certificate: %v", d)
	}
	if status, _ := c.do("DELETE", "/applications/"+id+"/domains/bad.shop.test", ""); status != 204 {
		t.Fatalf("remove bad: %d", status)
	}

	// Release v2 records www.shop.test; removing it takes it off the
	// ingress at once and frees it; the rollback to v2 restores it.
	c.do("POST", "/applications/"+id+"/deploy", "")
	stack.Runner.Wait()
	stack.WaitRouteChecks()
	if status, _ := c.do("DELETE", "/applications/"+id+"/domains/www.shop.test", ""); status != 204 {
		t.Fatalf("remove: %d", status)
	}
	stack.WaitRouteChecks()
	if got := stack.Cluster.Routes(id); slices.Contains(got, "www.shop.test → web") {
		t.Fatalf("the removed domain is still routed: %v", got)
	}
	if status, _ := c.do("DELETE", "/applications/"+id+"/domains/www.shop.test", ""); status != 404 {
		t.Fatalf("remove again: %d", status)
	}
	if status, body := c.do("POST", "/applications/"+id+"/rollback", `{"release_version":2}`); status != 202 {
		t.Fatalf("rollback: %d %v", status, body)
	}
	stack.Runner.Wait()
	if d := domainOf(t, c, id, "www.shop.test"); d == nil || d["status"] != "pending" {
		t.Fatalf("the rollback did not restore the domain: %v", d)
	}
	if got := stack.Cluster.Routes(id); !slices.Contains(got, "www.shop.test → web") {
		t.Fatalf("the restored domain is not routed: %v", got)
	}
	clock.Advance(time.Minute)
	if err := stack.Routes.CheckAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := domainOf(t, c, id, "www.shop.test"); d["status"] != "active" {
		t.Fatalf("the restored domain: %v", d)
	}

	// The teardown frees the hostname.
	if status, body := c.do("DELETE", "/applications/"+id, ""); status != 202 {
		t.Fatalf("delete: %d %v", status, body)
	}
	stack.Teardowns.Wait()
	if status, body := c.do("POST", "/applications/"+other+"/domains", `{"hostname":"www.shop.test"}`); status != 201 {
		t.Fatalf("the deleted application's hostname: %d %v", status, body)
	}
	if got := stack.Cluster.Routes(id); len(got) != 0 {
		t.Fatalf("the deleted application's routes: %v", got)
	}
}
