package deployments_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestListImagesAndReleases: both lists page newest first with cursors
// bound to their list and application, in one round trip (the page, the
// application and the token read at once).
func TestListImagesAndReleases(t *testing.T) {
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return deployments.Routes(deployments.Deps{Store: env.Store, Launcher: &pipeline.Launcher{Store: env.Store, Starter: &apitest.RecordingStarter{}}})
	})
	p := env.Projects["acme/shop"]
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	app := platform.Application{ID: env.IDs.NewID(), Slug: "web", ProjectID: p.ID, ProjectSlug: p.Slug, OrganizationSlug: "acme",
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings(), Created: now}
	ctx := context.Background()
	if err := env.Store.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	_, err := env.Store.UpdateApplicationRecords(ctx, app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		var w platform.RecordWrites
		for v := int64(1); v <= 5; v++ {
			img := platform.Image{ID: env.IDs.NewID(), Version: v, Status: platform.StatusComplete, Processes: map[string]string{"web": "serve"}, Created: now}
			w.Images = append(w.Images, img)
			if v <= 3 {
				w.Releases = append(w.Releases, platform.Release{ID: env.IDs.NewID(), Version: v, Status: platform.StatusComplete, ImageID: img.ID, ImageVersion: v, Created: now})
			}
		}
		a.ImageSeq, a.ReleaseSeq = 5, 3
		return w, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		list  string
		pages string
		keys  []string
	}{
		{"images", "[5 4] [3 2] [1]", []string{"build_ref", "commit_sha", "created", "error_detail", "id", "processes", "status", "updated", "version"}},
		{"releases", "[3 2] [1]", []string{"created", "error_detail", "id", "image_id", "image_version", "status", "updated", "version"}},
	} {
		t.Run(c.list, func(t *testing.T) {
			path := "/applications/" + app.ID + "/" + c.list
			var pages []string
			cursor := ""
			for {
				env.Requests.Reset()
				env.Requests.HoldUntil(3)
				r := env.Do(apitest.Request{Method: "GET", Path: path + "?limit=2&cursor=" + cursor, Token: apitest.Member})
				if r.Status != http.StatusOK {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				calls := env.Requests.Calls()
				sort.Strings(calls)
				if fmt.Sprint(calls) != "[GetItem GetItem Query]" || env.Requests.MaxInFlight() != 3 {
					t.Errorf("requests %v (max in flight %d), want three at once", calls, env.Requests.MaxInFlight())
				}
				body := r.JSON()
				var versions []any
				for _, it := range body["items"].([]any) {
					item := it.(map[string]any)
					versions = append(versions, item["version"])
					for _, k := range c.keys {
						if _, ok := item[k]; !ok {
							t.Errorf("%s item without %q: %v", c.list, k, item)
						}
					}
				}
				pages = append(pages, fmt.Sprint(versions))
				next, _ := body["pagination"].(map[string]any)["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = next
				// A cursor of this list is refused by the other list.
				other := map[string]string{"images": "releases", "releases": "images"}[c.list]
				if r := env.Do(apitest.Request{Method: "GET", Path: "/applications/" + app.ID + "/" + other + "?cursor=" + next, Token: apitest.Member}); r.Status != http.StatusBadRequest {
					t.Errorf("a %s cursor on %s: %d", c.list, other, r.Status)
				}
			}
			if got := fmt.Sprint(pages); got != "["+c.pages+"]" {
				t.Errorf("pages %s, want [%s]", got, c.pages)
			}
			for _, bad := range []struct {
				path  string
				token string
				want  int
			}{
				{path, apitest.OtherAdmin, http.StatusNotFound},
				{"/applications/" + env.IDs.NewID() + "/" + c.list, apitest.Platform, http.StatusNotFound},
				{path + "?limit=101", apitest.Member, http.StatusUnprocessableEntity},
				{path + "?limit=101", "", http.StatusUnauthorized},
			} {
				if r := env.Do(apitest.Request{Method: "GET", Path: bad.path, Token: bad.token}); r.Status != bad.want {
					t.Errorf("%s as %q: %d, want %d", bad.path, bad.token, r.Status, bad.want)
				}
			}
		})
	}
}
