package devstack_test

import (
	"context"
	"testing"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// TestFixturesWorld: seeding twice is harmless, and the fixtures' pipeline
// is recorded once, in progress, for the image the step fixtures name.
func TestFixturesWorld(t *testing.T) {
	env := storetest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := devstack.SeedFixtures(ctx, env.Store); err != nil {
			t.Fatal(err)
		}
		if err := devstack.StartFixturePipeline(ctx, env.Store, "test"); err != nil {
			t.Fatal(err)
		}
	}
	app, err := env.Store.GetApplication(ctx, devstack.FixtureApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	if app.ActivePipeline != devstack.FixtureImageID || app.LatestImage == nil || app.LatestImage.ID != devstack.FixtureImageID || app.ImageSeq != 1 {
		t.Fatalf("application after seeding: active %q, latest image %+v, image seq %d", app.ActivePipeline, app.LatestImage, app.ImageSeq)
	}
	imgs, err := env.Store.ListImages(ctx, app.ID, 10)
	if err != nil || len(imgs) != 1 || imgs[0].Status != platform.StatusInProgress {
		t.Fatalf("images %+v (%v), want one in progress", imgs, err)
	}
}
