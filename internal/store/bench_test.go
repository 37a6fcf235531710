package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// BenchmarkDeploymentsPage reads the newest page (20) of an application's
// deployments as its history grows: a Query with Limit, so the cost must
// not grow with the history. Run with -bench DeploymentsPage.
func BenchmarkDeploymentsPage(b *testing.B) {
	for _, history := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			env := storetest.New(b)
			p := platform.Project{ID: ids.NewID(), OrganizationSlug: "acme", Slug: "shop"}
			if err := env.Store.CreateProject(ctx(), p); err != nil {
				b.Fatal(err)
			}
			app := newApp(p, "web")
			if err := env.Store.CreateApplication(ctx(), app); err != nil {
				b.Fatal(err)
			}
			const batch = 50 // deployments per transaction (limit 100 items)
			start := time.Now()
			for n := 0; n < history; n += batch {
				_, err := env.Store.UpdateApplicationRecords(ctx(), app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
					var w platform.RecordWrites
					for i := range batch {
						w.Deployments = append(w.Deployments, platform.Deployment{ID: ids.NewID(), ReleaseVersion: int64(n + i), Status: platform.StatusComplete})
					}
					a.Name = fmt.Sprint(n)
					return w, nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("wrote %d deployments in %s", history, time.Since(start))
			b.ResetTimer()
			for b.Loop() {
				page, err := env.Store.ListDeployments(ctx(), app.ID, platform.PageRequest{Limit: 20})
				if err != nil || len(page.Items) != 20 || !page.HasMore {
					b.Fatalf("%v %d", err, len(page.Items))
				}
			}
		})
	}
}
