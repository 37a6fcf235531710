package store_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

func TestDeliveries(t *testing.T) {
	env := storetest.New(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	_, claimed, err := env.Store.ClaimDelivery(ctx(), "guid-1", "push", now)
	mustOK(t, err)
	if !claimed {
		t.Fatal("first claim refused")
	}
	d, claimed, err := env.Store.ClaimDelivery(ctx(), "guid-1", "push", now.Add(time.Second))
	mustOK(t, err)
	if claimed || d.Done {
		t.Fatalf("a live claim was taken over: %+v", d)
	}
	mustOK(t, env.Store.RecordDeliveryOutcome(ctx(), "guid-1", "app-a", "started img-1"))
	// The first attempt died: after the lease a redelivery takes over and
	// sees what was already done.
	d, claimed, err = env.Store.ClaimDelivery(ctx(), "guid-1", "push", now.Add(platform.DeliveryLease+time.Second))
	mustOK(t, err)
	if !claimed || d.Outcomes["app-a"] != "started img-1" {
		t.Fatalf("redelivery after the lease: claimed %v %+v", claimed, d)
	}
	mustOK(t, env.Store.CompleteDelivery(ctx(), "guid-1"))
	d, claimed, err = env.Store.ClaimDelivery(ctx(), "guid-1", "push", now.Add(time.Hour))
	mustOK(t, err)
	if claimed || !d.Done {
		t.Fatalf("a done delivery was claimed again: %+v", d)
	}
	_, claimed, err = env.Store.ClaimDelivery(ctx(), "guid-1", "push", now.Add(platform.DeliveryRetention+time.Hour))
	mustOK(t, err)
	if !claimed {
		t.Fatal("an expired delivery record still blocks")
	}
}

func TestApplicationsForPushAndInstallation(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	set := func(slug, repo, branch string, installation int64) platform.Application {
		app := newApp(p, slug)
		mustOK(t, env.Store.CreateApplication(ctx(), app))
		updated, err := env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
			a.GithubRepository, a.AutoDeployBranch = &repo, &branch
			if installation > 0 {
				a.GithubAppInstallationID = &installation
			}
			return nil
		})
		mustOK(t, err)
		return updated
	}
	set("web", "Acme/Shop", "main", 7)
	set("worker", "acme/shop", "main", 7)
	set("preview", "acme/shop", "main-2", 8)
	set("other", "acme/other", "main", 0)
	slugs := func(apps []platform.Application, err error) string {
		t.Helper()
		mustOK(t, err)
		var s []string
		for _, a := range apps {
			s = append(s, a.Slug)
		}
		sort.Strings(s)
		return fmt.Sprint(s)
	}
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"push main, any case", slugs(env.Store.ApplicationsForPush(ctx(), "ACME/shop", "main")), "[web worker]"},
		{"push main-2", slugs(env.Store.ApplicationsForPush(ctx(), "acme/shop", "main-2")), "[preview]"},
		{"push unknown branch", slugs(env.Store.ApplicationsForPush(ctx(), "acme/shop", "mai")), "[]"},
		{"repository", slugs(env.Store.ApplicationsForRepository(ctx(), "acme/SHOP")), "[preview web worker]"},
		{"installation 7", slugs(env.Store.ApplicationsForInstallation(ctx(), 7)), "[web worker]"},
		{"installation 8", slugs(env.Store.ApplicationsForInstallation(ctx(), 8)), "[preview]"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	// Changing or clearing the installation moves the pointer.
	apps, err := env.Store.ApplicationsForInstallation(ctx(), 8)
	mustOK(t, err)
	_, err = env.Store.UpdateApplication(ctx(), apps[0].ID, 0, func(a *platform.Application) error {
		a.GithubAppInstallationID = nil
		return nil
	})
	mustOK(t, err)
	if got := slugs(env.Store.ApplicationsForInstallation(ctx(), 8)); got != "[]" {
		t.Fatalf("cleared installation still points at %s", got)
	}
}

func TestDeliveryReleaseAndReceived(t *testing.T) {
	env := storetest.New(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 123e6, time.UTC)
	d, claimed, err := env.Store.ClaimDelivery(ctx(), "guid-r", "push", now)
	mustOK(t, err)
	if !claimed || !d.Received.Equal(now) {
		t.Fatalf("claim: %v %+v", claimed, d)
	}
	mustOK(t, env.Store.RecordDeliveryOutcome(ctx(), "guid-r", "app-a", "started img-1"))
	// A copy while the claim is held is refused; once released, the next
	// copy takes over at once, with the outcome and the first reception time.
	if _, claimed, _ := env.Store.ClaimDelivery(ctx(), "guid-r", "push", now.Add(time.Second)); claimed {
		t.Fatal("a held claim was taken over")
	}
	mustOK(t, env.Store.ReleaseDelivery(ctx(), "guid-r", d.ClaimedAt))
	again, claimed, err := env.Store.ClaimDelivery(ctx(), "guid-r", "push", now.Add(2*time.Second))
	mustOK(t, err)
	if !claimed || again.Outcomes["app-a"] != "started img-1" || !again.Received.Equal(now) {
		t.Fatalf("after release: claimed %v %+v", claimed, again)
	}
	// Releasing the old claim again does not touch the new one.
	mustOK(t, env.Store.ReleaseDelivery(ctx(), "guid-r", d.ClaimedAt))
	if _, claimed, _ := env.Store.ClaimDelivery(ctx(), "guid-r", "push", now.Add(3*time.Second)); claimed {
		t.Fatal("a stale release dropped the current claim")
	}
}

func TestDeliveryWrittenWithAnOutcomesMap(t *testing.T) {
	env := storetest.New(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	// An item as stored before outcomes became top-level attributes.
	_, err := env.Client.PutItem(ctx(), &dynamodb.PutItemInput{TableName: &env.Table, Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "DELIVERY#old"}, "SK": &types.AttributeValueMemberS{Value: "DELIVERY"},
		"event": &types.AttributeValueMemberS{Value: "push"}, "done": &types.AttributeValueMemberBOOL{Value: false},
		"claimed_at": &types.AttributeValueMemberN{Value: fmt.Sprint(now.Unix())},
		"expires_at": &types.AttributeValueMemberN{Value: fmt.Sprint(now.Add(platform.DeliveryRetention).Unix())},
		"outcomes": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"app-a": &types.AttributeValueMemberS{Value: "started img-1"}}},
	}})
	mustOK(t, err)
	mustOK(t, env.Store.RecordDeliveryOutcome(ctx(), "old", "app-b", "skipped"))
	d, claimed, err := env.Store.ClaimDelivery(ctx(), "old", "push", now.Add(platform.DeliveryLease+time.Second))
	mustOK(t, err)
	if !claimed || d.Outcomes["app-a"] != "started img-1" || d.Outcomes["app-b"] != "skipped" || !d.Received.Equal(now) {
		t.Fatalf("claimed %v %+v", claimed, d)
	}
}
