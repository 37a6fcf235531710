package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

func TestDomainAndWebURLViews(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	app := platform.Application{Slug: "web", ProjectSlug: "shop", OrganizationSlug: "acme"}
	d := platform.Domain{Hostname: "www.example.com", Status: platform.DomainPending, Created: now}
	b, _ := json.Marshal(Domain(app, d, "apps.example.net"))
	want := `{"hostname":"www.example.com","status":"pending","detail":null,"dns_records":[{"type":"CNAME","name":"www.example.com","value":"web-shop-acme.apps.example.net"}],"created":"2026-12-01T12:00:00.000Z"}`
	if string(b) != want {
		t.Fatalf("domain view\n got %s\nwant %s", b, want)
	}
	v := Application(app).WithWebURL(app, "apps.example.net")
	if v.WebURL != nil {
		t.Fatalf("web_url before a release: %v", *v.WebURL)
	}
	app.ServingRelease = &platform.Release{Processes: map[string]string{"worker": "w"}}
	if v := Application(app).WithWebURL(app, "apps.example.net"); v.WebURL != nil {
		t.Fatalf("web_url without a web process: %v", *v.WebURL)
	}
	app.ServingRelease.Processes["web"] = "serve"
	if v := Application(app).WithWebURL(app, "apps.example.net"); v.WebURL == nil || *v.WebURL != "https://web-shop-acme.apps.example.net" {
		t.Fatalf("web_url: %v", v.WebURL)
	}
	if v := Application(app).WithWebURL(app, ""); v.WebURL != nil {
		t.Fatalf("web_url without an apps domain: %v", *v.WebURL)
	}
}
