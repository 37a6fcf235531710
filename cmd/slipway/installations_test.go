package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInstallations: link, list, use in settings, the 409 of another
// organization's installation, unlink.
func TestInstallations(t *testing.T) {
	t.Parallel()
	const id = "918273"
	slipway(t, nil, "installations", "link", "demo", id).must(t, 0)
	if r := slipway(t, nil, "installations", "demo").must(t, 0); !strings.Contains(r.stdout, id) {
		t.Errorf("installations demo lacks %s:\n%s", id, r.stdout)
	}
	var list struct {
		Items []struct {
			InstallationID int64 `json:"installation_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(slipway(t, nil, "installations", "demo", "--json").must(t, 0).stdout), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("installations --json: %v %+v", err, list)
	}
	ref := newApp(t, "inst", "acme/web")
	slipway(t, nil, "settings", "set", ref, "github_app_installation_id="+id).must(t, 0)

	slipway(t, nil, "orgs", "create", "inst-other").must(t, 0)
	if r := slipway(t, nil, "installations", "link", "inst-other", id).must(t, 1); !strings.Contains(r.stderr, "error: conflict") {
		t.Errorf("another organization's installation: %s", r.stderr)
	}
	slipway(t, nil, "installations", "link", "demo", "-3").must(t, 2)
	slipway(t, nil, "installations", "link", "demo", "x").must(t, 2)

	slipway(t, nil, "installations", "unlink", "demo", id).must(t, 0)
	if r := slipway(t, nil, "installations", "demo").must(t, 0); strings.Contains(r.stdout, id) {
		t.Errorf("still listed after unlink:\n%s", r.stdout)
	}
}
