package platform

import (
	"strings"
	"testing"
	"time"
)

func TestValidateHostname(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"www.example.com", true},
		{"example.com", true},
		{"a-b.c0.example.co.uk", true},
		{"xn--bcher-kva.example", true},
		{strings.Repeat("a", 63) + ".example.com", true},
		{strings.Repeat(strings.Repeat("a", 49)+".", 5) + "com", true}, // 253
		{strings.Repeat(strings.Repeat("a", 49)+".", 5) + "comx", false},
		{"", false},
		{"localhost", false},
		{"WWW.example.com", false},
		{"www.example.com.", false},
		{".example.com", false},
		{"www..example.com", false},
		{"-www.example.com", false},
		{"www-.example.com", false},
		{"w_w.example.com", false},
		{"*.example.com", false},
		{"www.example.com:443", false},
		{strings.Repeat("a", 64) + ".example.com", false},
		{"10.0.0.1", false},
		{"apps.test", false},
		{"shop.apps.test", false},
		{"deep.shop.apps.test", false},
		{"myapps.test", true},
		{"apps.test.example", true},
	} {
		err := ValidateHostname(tc.host, "apps.test")
		if (err == nil) != tc.ok {
			t.Errorf("ValidateHostname(%q) = %v, want ok %v", tc.host, err, tc.ok)
		}
		if err != nil {
			var e *Error
			if !asError(err, &e) || e.Code != CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "hostname" {
				t.Errorf("ValidateHostname(%q): %v does not name hostname", tc.host, err)
			}
		}
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}

func TestDefaultHostLabel(t *testing.T) {
	long := strings.Repeat("x", 40)
	for _, tc := range []struct {
		process, app, project, org string
		want                       string
	}{
		{"web", "shop", "store", "acme", "shop-store-acme"},
		{"web-api", "shop", "store", "acme", "web-api-shop-store-acme--"},
		{"web", "my-shop", "store", "acme", "my-shop-store-acme--"},
		{"web", long, long, "acme", long + "-" + strings.Repeat("x", 12) + "--"},
	} {
		got := DefaultHostLabel(tc.process, tc.app, tc.project, tc.org)
		if !IsDNSLabel(got) || !strings.HasPrefix(got, tc.want) {
			t.Errorf("DefaultHostLabel(%s, %s, %s, %s) = %q, want prefix %q and a DNS label", tc.process, tc.app, tc.project, tc.org, got, tc.want)
		}
		if again := DefaultHostLabel(tc.process, tc.app, tc.project, tc.org); again != got {
			t.Errorf("not deterministic: %q then %q", got, again)
		}
	}
	// The ambiguous pair of the plain scheme gets two labels.
	if a, b := DefaultHostLabel("web", "a-b", "c", "d"), DefaultHostLabel("web", "a", "b-c", "d"); a == b || a == "a-b-c-d" {
		t.Errorf("ambiguous slugs share a label: %q %q", a, b)
	}
	if got := DefaultHost("web", "shop", "store", "acme", "apps.test."); got != "shop-store-acme.apps.test" {
		t.Errorf("DefaultHost = %q", got)
	}
}

func TestObserveRoutes(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	app := Application{Slug: "shop", ProjectSlug: "store", OrganizationSlug: "acme"}
	for _, h := range []string{"a.example.com", "b.example.com", "c.example.com"} {
		if _, err := app.AddDomain(h, "apps.test", t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.AddDomain("a.example.com", "apps.test", t0); !IsCode(err, CodeConflict) {
		t.Fatalf("a second add: %v", err)
	}
	states := map[string]RouteState{
		"a.example.com": {Routed: true, Target: "lb.elb.test", TLSReady: true},
		"b.example.com": {Routed: true, Target: "lb.elb.test"},
		"c.example.com": {Problem: "the application has no web process"},
	}
	if !app.ObserveRoutes(states, t0.Add(time.Minute)) {
		t.Fatal("nothing changed")
	}
	want := map[string]DomainStatus{"a.example.com": DomainActive, "b.example.com": DomainPending, "c.example.com": DomainError}
	for _, d := range app.Domains {
		if d.Status != want[d.Hostname] {
			t.Errorf("%s: %s, want %s", d.Hostname, d.Status, want[d.Hostname])
		}
	}
	if recs := app.Domains[0].DNSRecords("shop-store-acme.apps.test"); recs[0] != (DNSRecord{"CNAME", "a.example.com", "lb.elb.test"}) {
		t.Errorf("dns records = %+v", recs)
	}
	if app.ObserveRoutes(states, t0.Add(2*time.Minute)) {
		t.Error("the same report changed something")
	}
	app.ObserveRoutes(states, t0.Add(DomainPendingLimit+time.Minute))
	if d, _ := app.Domain("b.example.com"); d.Status != DomainError || !strings.Contains(*d.Detail, "certificate") {
		t.Errorf("a domain pending too long: %+v", d)
	}
	// A certificate renewing keeps an active domain active.
	states["a.example.com"] = RouteState{Routed: true, Target: "lb.elb.test"}
	app.ObserveRoutes(states, t0.Add(2*DomainPendingLimit))
	if d, _ := app.Domain("a.example.com"); d.Status != DomainActive {
		t.Errorf("a renewing domain: %+v", d)
	}
	if err := app.RemoveDomain("x.example.com"); !IsCode(err, CodeNotFound) {
		t.Errorf("removing a missing domain: %v", err)
	}
}

// TestReleasesRecordDomains: a release snapshots the hostnames and a
// rollback restores them (kept domains keep their status).
func TestReleasesRecordDomains(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	app := Application{ID: "app", Slug: "shop"}
	app.AddDomain("keep.example.com", "", now)
	app.AddDomain("gone.example.com", "", now)
	app.Domains[1].Status = DomainActive // keep.example.com
	img := Image{ID: "img", Version: 1, Status: StatusComplete, Processes: map[string]string{"web": "run"}}
	v1 := app.snapshot("r1", img, now)
	v1.Status = StatusComplete
	if strings.Join(v1.Domains, ",") != "gone.example.com,keep.example.com" {
		t.Fatalf("release domains = %v", v1.Domains)
	}
	app.RemoveDomain("gone.example.com")
	app.AddDomain("new.example.com", "", now)
	seq := app.RoutesSeq
	rel, _, err := app.StartRelease(ReleaseRequest{}, "r2", img, &v1, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(app.Hostnames(), ",") != "gone.example.com,keep.example.com" || strings.Join(rel.Domains, ",") != "gone.example.com,keep.example.com" {
		t.Fatalf("after the rollback: app %v, release %v", app.Hostnames(), rel.Domains)
	}
	if d, _ := app.Domain("keep.example.com"); d.Status != DomainActive {
		t.Errorf("a kept domain lost its status: %+v", d)
	}
	if d, _ := app.Domain("gone.example.com"); d.Status != DomainPending {
		t.Errorf("a restored domain: %+v", d)
	}
	if app.RoutesSeq == seq || !app.RoutesStale() {
		t.Error("the rollback did not mark the routes changed")
	}
}
