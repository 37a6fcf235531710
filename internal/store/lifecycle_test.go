package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// withRecords gives the application n images (a build each) and an
// installation pointer.
func withRecords(t *testing.T, env *storetest.Env, app platform.Application, n int) {
	t.Helper()
	inst := int64(42)
	_, err := env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
		a.GithubAppInstallationID = &inst
		return nil
	})
	mustOK(t, err)
	for i := 0; i < n; i += 50 {
		_, err := env.Store.UpdateApplicationRecords(ctx(), app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
			var w platform.RecordWrites
			for j := i; j < min(i+50, n); j++ {
				a.ImageSeq++
				w.Images = append(w.Images, platform.Image{ID: ids.NewID(), Version: a.ImageSeq, Status: platform.StatusComplete})
			}
			return w, nil
		})
		mustOK(t, err)
	}
}

func TestDeleteApplicationTombstonesAndPurges(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	app := newApp(p, "web")
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	withRecords(t, env, app, 230)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

	// A refusing check writes nothing.
	refused := platform.Errorf(platform.CodeConflict, "no")
	_, err := env.Store.DeleteApplication(ctx(), app.ID, "admin", now, func(*platform.Application) error { return refused })
	if err != refused {
		t.Fatalf("refused delete: %v", err)
	}
	if _, err := env.Store.GetApplication(ctx(), app.ID); err != nil {
		t.Fatalf("a refused delete removed the application: %v", err)
	}

	env.Requests.Reset()
	ts, err := env.Store.DeleteApplication(ctx(), app.ID, "admin", now, func(*platform.Application) error { return nil })
	mustOK(t, err)
	if got := fmt.Sprint(env.Requests.Calls()); got != "[GetItem TransactWriteItems]" {
		t.Errorf("delete requests %s", got)
	}
	if ts.Application.ID != app.ID || ts.DeletedBy != "admin" || !ts.Deleted.Equal(now) {
		t.Errorf("tombstone %+v", ts)
	}
	// Gone everywhere at once, the slug free at once.
	_, err = env.Store.GetApplication(ctx(), app.ID)
	wantCode(t, err, platform.CodeNotFound)
	_, err = env.Store.GetApplicationBySlug(ctx(), "acme", "shop", "web")
	wantCode(t, err, platform.CodeNotFound)
	if apps, err := env.Store.ListApplications(ctx(), "acme", "shop"); err != nil || len(apps) != 0 {
		t.Errorf("list after delete: %v %v", apps, err)
	}
	if apps, err := env.Store.ApplicationsForInstallation(ctx(), 42); err != nil || len(apps) != 0 {
		t.Errorf("installation pointer kept: %v %v", apps, err)
	}
	again := newApp(p, "web")
	mustOK(t, env.Store.CreateApplication(ctx(), again))
	// Deleting again is not_found; the tombstone is there until forgotten.
	_, err = env.Store.DeleteApplication(ctx(), app.ID, "admin", now, func(*platform.Application) error { return nil })
	wantCode(t, err, platform.CodeNotFound)
	got, err := env.Store.GetTombstone(ctx(), app.ID)
	mustOK(t, err)
	if got.Application.Slug != "web" || got.Application.ImageSeq != 230 {
		t.Errorf("stored tombstone %+v", got)
	}
	// A write of a pipeline step of the deleted application fails and
	// brings nothing back.
	_, err = env.Store.UpdateApplicationRecords(ctx(), app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		return platform.RecordWrites{Images: []platform.Image{{ID: ids.NewID(), Version: 999}}}, nil
	})
	wantCode(t, err, platform.CodeNotFound)

	// The purge: batches of 100 (one Query + one TransactWriteItems each)
	// until only the tombstone is left.
	var passes, deleted int
	env.Requests.Reset()
	for done := false; !done; passes++ {
		var n int
		n, done, err = env.Store.PurgeApplication(ctx(), app.ID, 100)
		mustOK(t, err)
		deleted += n
		if passes > 10 {
			t.Fatal("the purge does not end")
		}
	}
	if deleted != 230 || passes != 3 {
		t.Errorf("purged %d items in %d passes, want 230 in 3", deleted, passes)
	}
	t.Logf("purge of 230 records: %d requests %v", len(env.Requests.Calls()), env.Requests.Calls())
	if n := len(env.Requests.Calls()); n != 6 {
		t.Errorf("purge requests %d, want 6", n)
	}
	if n, done, err := env.Store.PurgeApplication(ctx(), app.ID, 100); n != 0 || !done || err != nil {
		t.Errorf("purge again: %d %v %v", n, done, err)
	}
	mustOK(t, env.Store.ForgetTombstone(ctx(), app.ID))
	_, err = env.Store.GetTombstone(ctx(), app.ID)
	wantCode(t, err, platform.CodeNotFound)
	// The new application of the same slug is untouched.
	if _, err := env.Store.GetApplication(ctx(), again.ID); err != nil {
		t.Errorf("the slug's new application: %v", err)
	}
	// A live application is never purged.
	if _, _, err := env.Store.PurgeApplication(ctx(), again.ID, 100); !platform.IsCode(err, platform.CodeConflict) {
		t.Errorf("purging a live application: %v", err)
	}
}

// TestDeleteRacesAnUpdate: the delete's transaction is conditioned on the
// version it read, so an update that lands in between makes it read and
// check again (here: the check now refuses).
func TestDeleteRacesAnUpdate(t *testing.T) {
	env := storetest.New(t)
	app := newApp(seedProject(t, env, "acme", "shop"), "web")
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	checks := 0
	_, err := env.Store.DeleteApplication(ctx(), app.ID, "admin", time.Now(), func(a *platform.Application) error {
		checks++
		if checks == 1 { // a pipeline starts between the read and the write
			_, err := env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
				a.ActivePipeline, a.ActivePipelineSince = "p", time.Now()
				return nil
			})
			mustOK(t, err)
			return nil
		}
		return a.CheckDeletable(time.Now())
	})
	wantCode(t, err, platform.CodeConflict)
	if checks != 2 {
		t.Errorf("checks %d, want 2", checks)
	}
	if _, err := env.Store.GetApplication(ctx(), app.ID); err != nil {
		t.Errorf("the application is gone: %v", err)
	}
	if _, err := env.Store.GetTombstone(ctx(), app.ID); !platform.IsCode(err, platform.CodeNotFound) {
		t.Errorf("a tombstone was written: %v", err)
	}
}

func TestTokenListAndUse(t *testing.T) {
	env := storetest.New(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var toks []platform.Token
	for i := range 5 {
		org := "acme"
		if i == 4 {
			org = "globex"
		}
		tok := platform.Token{ID: ids.NewID(), Name: fmt.Sprintf("t%d", i), Role: platform.RoleMember, OrganizationSlug: org, Hash: fmt.Sprintf("%064d", i), Created: now}
		mustOK(t, env.Store.CreateToken(ctx(), tok))
		toks = append(toks, tok)
	}
	mustOK(t, env.Store.CreateToken(ctx(), platform.Token{ID: ids.NewID(), Name: "platform", Role: platform.RolePlatform, Hash: fmt.Sprintf("%064d", 9)}))

	var names []string
	page := platform.PageRequest{Limit: 3}
	for {
		env.Requests.Reset()
		p, err := env.Store.ListTokens(ctx(), "acme", page)
		mustOK(t, err)
		if n := len(env.Requests.Calls()); n != 1 {
			t.Errorf("a page took %d requests", n)
		}
		for _, tok := range p.Items {
			names = append(names, tok.Name)
		}
		if !p.HasMore {
			break
		}
		page.Cursor = p.NextCursor
	}
	if fmt.Sprint(names) != "[t3 t2 t1 t0]" {
		t.Errorf("listed %v, want acme's newest first", names)
	}
	_, err := env.Store.ListTokens(ctx(), "globex", platform.PageRequest{Limit: 3, Cursor: page.Cursor})
	wantCode(t, err, platform.CodeBadRequest)

	// A use is written when none is recorded or the recorded one is at
	// least TokenUseResolution old; a revoked token stays gone.
	tok := toks[0]
	for _, step := range []struct {
		at   time.Duration
		want time.Duration
	}{{0, 0}, {time.Minute, 0}, {platform.TokenUseResolution - time.Millisecond, 0}, {platform.TokenUseResolution, platform.TokenUseResolution}} {
		mustOK(t, env.Store.TouchToken(ctx(), tok, now.Add(step.at)))
		got, err := env.Store.TokenByHash(ctx(), tok.Hash)
		mustOK(t, err)
		if got.LastUsed == nil || !got.LastUsed.Equal(now.Add(step.want)) {
			t.Errorf("after a use at +%v: last used %v, want +%v", step.at, got.LastUsed, step.want)
		}
		if got.UseIsStale(now.Add(step.at)) {
			t.Errorf("the use at +%v is stale at once", step.at)
		}
	}
	mustOK(t, env.Store.RevokeToken(ctx(), "acme", tok.ID))
	mustOK(t, env.Store.TouchToken(ctx(), tok, now.Add(time.Hour)))
	_, err = env.Store.TokenByHash(ctx(), tok.Hash)
	wantCode(t, err, platform.CodeNotFound)
}
