package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSettingsClear: KEY=null and --unset KEY send JSON null, which clears
// a nullable setting; a setting that cannot be cleared is the API's 422
// naming it, on one line.
func TestSettingsClear(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "unset", "acme/web")
	slipway(t, nil, "settings", "set", ref, "subdirectory=services/web", "health_check_host=up.example.com", "deployment_timeout=90").must(t, 0)
	read := func() map[string]any {
		var o map[string]any
		if err := json.Unmarshal([]byte(slipway(t, nil, "apps", "info", ref, "--json").must(t, 0).stdout), &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := read(); o["subdirectory"] != "services/web" || o["health_check_host"] != "up.example.com" {
		t.Fatalf("set: %v %v", o["subdirectory"], o["health_check_host"])
	}
	slipway(t, nil, "settings", "set", ref, "subdirectory=null", "--unset", "health_check_host").must(t, 0)
	o := read()
	if v, ok := o["subdirectory"]; !ok || v != nil {
		t.Errorf("subdirectory=null: subdirectory is %#v", v)
	}
	if v, ok := o["health_check_host"]; !ok || v != nil {
		t.Errorf("--unset health_check_host: health_check_host is %#v", v)
	}
	if o["github_repository"] != "acme/web" || o["deployment_timeout"] != float64(90) {
		t.Errorf("other settings changed: %v %v", o["github_repository"], o["deployment_timeout"])
	}
	// --unset alone needs no KEY=VALUE.
	slipway(t, nil, "settings", "set", ref, "--unset", "deployment_timeout").must(t, 0)

	r := slipway(t, nil, "settings", "set", ref, "health_check_path=null").must(t, 1)
	if msg := strings.TrimSpace(r.stderr); strings.Contains(msg, "\n") || !strings.Contains(msg, "health_check_path: must not be null") {
		t.Errorf("health_check_path=null: stderr %q", r.stderr)
	}
	slipway(t, nil, "settings", "set", ref, "--unset", "colour").must(t, 2)
	slipway(t, nil, "settings", "set", ref).must(t, 2)
}

// TestAppsListDeployed: the DEPLOYED column reads "never" before the first
// deployment and "yes" once it completed; --json stays the API's answer.
func TestAppsListDeployed(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "listed", "acme/web")
	row := func() string {
		for _, l := range strings.Split(slipway(t, nil, "apps", "list", "demo/demo").must(t, 0).stdout, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == ref {
				return l
			}
		}
		t.Fatalf("apps list lacks %s", ref)
		return ""
	}
	if f := strings.Fields(row()); len(f) < 5 || f[4] != "never" {
		t.Errorf("before a deployment: %q", row())
	}
	slipway(t, nil, "deploy", ref).must(t, 0)
	if f := strings.Fields(row()); len(f) < 5 || f[4] != "yes" {
		t.Errorf("after a deployment: %q", row())
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(slipway(t, nil, "apps", "list", "demo/demo", "--json").must(t, 0).stdout), &list); err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if "demo/demo/"+a["slug"].(string) == ref && a["latest_deployment_complete"] != true {
			t.Errorf("--json: %v", a)
		}
	}
}
