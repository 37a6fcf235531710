package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

func TestSnapshotSeesEveryChange(t *testing.T) {
	env := storetest.New(t)
	before := env.Snapshot(t)
	if d := storetest.SnapshotDiff(before, env.Snapshot(t)); d != "" {
		t.Fatalf("two snapshots of an untouched table differ:\n%s", d)
	}
	org := platform.Organization{ID: "01936f4e-7c1a-7000-8000-0000000000f1", Name: "Acme", Slug: "acme", Created: time.Unix(0, 0).UTC()}
	if err := env.Store.CreateOrganization(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	after := env.Snapshot(t)
	d := storetest.SnapshotDiff(before, after)
	if d == "" || len(after) <= len(before) {
		t.Fatalf("creating an organization left the snapshot unchanged (%d items)", len(after))
	}
	if d := storetest.SnapshotDiff(after, after); d != "" {
		t.Fatalf("a snapshot differs from itself:\n%s", d)
	}
}
