package github

import (
	"context"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

type recordingReporter struct{ urls []string }

func (r *recordingReporter) Started(context.Context, Report) (int64, error) { return 7, nil }
func (r *recordingReporter) Finished(_ context.Context, _ Report, _ int64, _ bool, _, url string) error {
	r.urls = append(r.urls, url)
	return nil
}

// TestPipelineReporterEnvironmentURL: a successful deployment of a release
// with a web process reports the default URL; a failure, or no apps
// domain, none.
func TestPipelineReporterEnvironmentURL(t *testing.T) {
	inst, repo := int64(5), "acme/web"
	app := platform.Application{Slug: "web", ProjectSlug: "shop", OrganizationSlug: "acme",
		ServingRelease: &platform.Release{Processes: map[string]string{"web": "serve"}}}
	app.GithubAppInstallationID, app.GithubRepository = &inst, &repo
	img := platform.Image{Trigger: platform.TriggerAuto, CommitSHA: "abc", GithubDeploymentID: 7}
	rec := &recordingReporter{}
	p := PipelineReporter{Reporter: rec, AppsDomain: "apps.example.net"}
	for _, ok := range []bool{true, false} {
		if err := p.Finished(context.Background(), app, img, ok, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := (PipelineReporter{Reporter: rec}).Finished(context.Background(), app, img, true, ""); err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://web-shop-acme.apps.example.net", "", ""}; len(rec.urls) != 3 || rec.urls[0] != want[0] || rec.urls[1] != "" || rec.urls[2] != "" {
		t.Fatalf("environment URLs %q, want %q", rec.urls, want)
	}
}
