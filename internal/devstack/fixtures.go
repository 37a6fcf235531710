package devstack

import (
	"context"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
)

// The world the invocation fixtures in events/ expect: organization demo,
// project demo, application web, the platform token FixtureToken and an
// admin token of demo with id FixtureTokenID; the pipeline step fixtures
// act on image FixtureImageID (StartFixturePipeline).
const (
	FixtureImageID       = "01936f4e-7c1a-7000-8000-0000000000d0"
	FixtureToken         = "slipway-dev-token"
	FixtureProjectID     = "01936f4e-7c1a-7000-8000-0000000000b0"
	FixtureApplicationID = "01936f4e-7c1a-7000-8000-000000000001"
	FixtureTokenID       = "01936f4e-7c1a-7000-8000-0000000000aa"
	fixtureOrgID         = "01936f4e-7c1a-7000-8000-0000000000c0"
	fixturePlatformID    = "01936f4e-7c1a-7000-8000-0000000000ab"
	// FixtureInstallationID is the GitHub App installation linked to demo
	// that update-settings gives the application and the push comes through.
	FixtureInstallationID int64 = 61234567
)

// SeedFixtures creates the fixtures' world in an empty table, so every
// event in events/ can be invoked against it (tests, `slipway seed`).
func SeedFixtures(ctx context.Context, st *store.Store) error {
	now := time.Now().UTC()
	org := platform.Organization{ID: fixtureOrgID, Name: "Demo", Slug: DemoOrganization, Created: now}
	project := platform.Project{ID: FixtureProjectID, OrganizationID: org.ID, OrganizationSlug: org.Slug, Name: "Demo", Slug: DemoProject, Created: now}
	app := platform.Application{
		ID: FixtureApplicationID, Name: "Web", Slug: "web", ProjectID: project.ID, ProjectSlug: project.Slug,
		OrganizationID: org.ID, OrganizationSlug: org.Slug, Platform: platform.DefaultPlatform,
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings(), Created: now, Updated: now,
	}
	steps := []func() error{
		func() error { return st.CreateOrganization(ctx, org) },
		func() error { return st.CreateProject(ctx, project) },
		func() error { return st.CreateApplication(ctx, app) },
		func() error {
			_, err := st.LinkInstallation(ctx, platform.Installation{ID: FixtureInstallationID, OrganizationSlug: org.Slug, Created: now})
			return err
		},
		func() error {
			return st.CreateToken(ctx, platform.Token{ID: fixturePlatformID, Name: "fixtures", Role: platform.RolePlatform, Hash: httpapi.HashToken(FixtureToken), Created: now})
		},
		func() error {
			return st.CreateToken(ctx, platform.Token{ID: FixtureTokenID, Name: "ci", Role: platform.RoleAdmin, OrganizationID: org.ID,
				OrganizationSlug: org.Slug, Hash: httpapi.HashToken("slipway-fixture-admin-token"), Created: now})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil && !platform.IsCode(err, platform.CodeConflict) {
			return err
		}
	}
	return nil
}

// StartFixturePipeline records the in-progress image FixtureImageID of the
// fixtures' application, as Full Deploy does before it starts the
// execution, so the events/pipeline step fixtures can be invoked in order
// (`slipway seed --pipeline`, the smoke run). An application without a
// source gets the one events/applications/update-settings.json sets. It
// is a no-op when that pipeline is running already, a conflict while
// another pipeline of the application runs.
func StartFixturePipeline(ctx context.Context, st *store.Store, triggeredBy string) error {
	_, err := st.UpdateApplicationRecords(ctx, FixtureApplicationID, 0, func(app *platform.Application) (platform.RecordWrites, error) {
		if app.ActivePipeline == FixtureImageID {
			return platform.RecordWrites{}, nil // recorded already
		}
		if app.GithubRepository == nil || app.AutoDeployBranch == nil {
			repo, branch := "slipway-paas/demo-web", "main"
			app.GithubRepository, app.AutoDeployBranch = &repo, &branch
		}
		_, writes, err := app.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: triggeredBy, ImageID: FixtureImageID},
			FixtureImageID, time.Now().UTC())
		return writes, err
	})
	return err
}
