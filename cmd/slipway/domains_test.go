package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDomains: add (with the DNS record to create), list for people and
// as the API's JSON, the 409 of another application's hostname, the 422
// of a bad one, remove, and the 404 of a domain the application lacks.
func TestDomains(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "dom", "acme/web")
	if r := slipway(t, nil, "domains", ref).must(t, 0); !strings.Contains(r.stdout, "no custom domains") {
		t.Errorf("domains of a new application:\n%s", r.stdout)
	}
	r := slipway(t, nil, "domains", "add", ref, "www.cli-shop.test").must(t, 0)
	if !strings.Contains(r.stdout, "Added www.cli-shop.test to "+ref+" (pending)") || !strings.Contains(r.stdout, "CNAME www.cli-shop.test → ") {
		t.Errorf("add:\n%s", r.stdout)
	}
	if r := slipway(t, nil, "domains", ref).must(t, 0); !strings.Contains(r.stdout, "www.cli-shop.test") || !strings.Contains(r.stdout, "CNAME") {
		t.Errorf("domains:\n%s", r.stdout)
	}
	var list struct {
		Items []struct {
			Hostname   string `json:"hostname"`
			Status     string `json:"status"`
			DNSRecords []struct {
				Type, Name, Value string
			} `json:"dns_records"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(slipway(t, nil, "domains", ref, "--json").must(t, 0).stdout), &list); err != nil ||
		len(list.Items) != 1 || list.Items[0].Hostname != "www.cli-shop.test" || len(list.Items[0].DNSRecords) != 1 {
		t.Fatalf("domains --json: %v %+v", err, list)
	}
	other := newApp(t, "dom", "acme/web")
	if r := slipway(t, nil, "domains", "add", other, "www.cli-shop.test").must(t, 1); !strings.Contains(r.stderr, "error: conflict") {
		t.Errorf("another application's hostname: %s", r.stderr)
	}
	if r := slipway(t, nil, "domains", "add", other, "Not_A.Host").must(t, 1); !strings.Contains(r.stderr, "hostname") {
		t.Errorf("a bad hostname: %s", r.stderr)
	}
	slipway(t, nil, "domains", "remove", ref, "www.cli-shop.test").must(t, 0)
	slipway(t, nil, "domains", "remove", ref, "www.cli-shop.test").must(t, 3)
	slipway(t, nil, "domains", "add", other, "www.cli-shop.test").must(t, 0)
	slipway(t, nil, "domains", "add", other).must(t, 2)
}
