package store_test

import (
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// GetImage and GetRelease read one record by version; a version the
// application does not have is not_found.
func TestGetImageAndRelease(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	repo, branch := "acme/web", "main"
	app := platform.Application{ID: ids.NewID(), Name: "web", Slug: "web", ProjectID: p.ID, ProjectSlug: p.Slug,
		OrganizationID: p.OrganizationID, OrganizationSlug: p.OrganizationSlug, Settings: platform.DefaultSettings()}
	app.GithubRepository, app.AutoDeployBranch = &repo, &branch
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	now := time.Now().UTC()
	imgID, relID := ids.NewID(), ids.NewID()
	_, err := env.Store.UpdateApplicationRecords(ctx(), app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		_, w, err := a.StartPipeline(platform.PipelineRequest{}, imgID, now)
		if err != nil {
			return w, err
		}
		built, err := a.RecordBuildSucceeded(imgID, "repo@sha256:ab", "c0ffee", map[string]string{"web": "serve"}, now)
		if err != nil {
			return w, err
		}
		_, rel, err := a.CreateRelease(imgID, relID, now)
		return w.With(built).With(rel), err
	})
	mustOK(t, err)
	img, err := env.Store.GetImage(ctx(), app.ID, 1)
	if err != nil || img.ID != imgID || img.Status != platform.StatusComplete {
		t.Fatalf("image %+v %v", img, err)
	}
	rel, err := env.Store.GetRelease(ctx(), app.ID, 1)
	if err != nil || rel.ID != relID || rel.Kind != platform.KindBuild || rel.PipelineID != imgID {
		t.Fatalf("release %+v %v", rel, err)
	}
	_, err = env.Store.GetImage(ctx(), app.ID, 2)
	wantCode(t, err, platform.CodeNotFound)
	_, err = env.Store.GetRelease(ctx(), ids.NewID(), 1)
	wantCode(t, err, platform.CodeNotFound)
}
