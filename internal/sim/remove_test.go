package sim

import (
	"context"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

func TestRemoveForgetsTheApplication(t *testing.T) {
	c := NewCluster(DefaultConfig(), func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) })
	w := pipeline.Workload{Namespace: "acme", Name: "shop-web", ApplicationID: "app-1", ReleaseVersion: 1,
		Processes: map[string]string{"web": "serve"}, ProcessCounts: map[string]int{"web": 1}}
	ctx := context.Background()
	if err := c.Apply(ctx, w); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := c.Remove(ctx, "acme", "app-1"); err != nil {
			t.Fatal(err)
		}
	}
	if c.Running("app-1") {
		t.Fatal("still running after Remove")
	}
	if _, err := c.RolloutStatus(ctx, w); err == nil {
		t.Error("rollout status of a removed application")
	}
	if err := c.Scale(ctx, w); err == nil {
		t.Error("scaled a removed application")
	}
}
