package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// txRecorder keeps the first transaction of each kind the store issues
// (kind: each item's action and the prefix of its partition key).
type txRecorder struct {
	store.DynamoDB

	mu    sync.Mutex
	kinds map[string]*dynamodb.TransactWriteItemsInput
}

func txKind(in *dynamodb.TransactWriteItemsInput) string {
	prefix := func(it map[string]types.AttributeValue) string {
		pk, _ := it["PK"].(*types.AttributeValueMemberS)
		sk, _ := it["SK"].(*types.AttributeValueMemberS)
		if pk == nil || sk == nil {
			return "?"
		}
		p, _, _ := strings.Cut(pk.Value, "#")
		s, _, _ := strings.Cut(sk.Value, "#")
		return p + "/" + s
	}
	var parts []string
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			parts = append(parts, "Put:"+prefix(ti.Put.Item))
		case ti.Delete != nil:
			parts = append(parts, "Delete:"+prefix(ti.Delete.Key))
		case ti.Update != nil:
			parts = append(parts, "Update:"+prefix(ti.Update.Key))
		case ti.ConditionCheck != nil:
			parts = append(parts, "Check:"+prefix(ti.ConditionCheck.Key))
		}
	}
	return strings.Join(parts, " ")
}

func (r *txRecorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	r.mu.Lock()
	if k := txKind(in); r.kinds[k] == nil {
		r.kinds[k] = in
	}
	r.mu.Unlock()
	return r.DynamoDB.TransactWriteItems(ctx, in, o...)
}

// buildWorld writes at least one item of every kind the store has, through
// the store, each in the states it goes through: a new kind of item joins
// the table here.
func buildWorld(t *testing.T, env *storetest.Env) {
	t.Helper()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	p := seedProject(t, env, "acme", "shop")
	app := newApp(p, "web")
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	repo, branch, installation := "acme/web", "main", int64(41)
	_, err := env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
		a.GithubRepository, a.AutoDeployBranch, a.GithubAppInstallationID = &repo, &branch, &installation
		return nil
	})
	mustOK(t, err)
	other := int64(42) // moves the installation pointer: Delete + Put in one transaction
	_, err = env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
		a.GithubAppInstallationID = &other
		return nil
	})
	mustOK(t, err)
	// A pipeline that ran to its end: image, release, deployment, each
	// step its own transaction as in the pipeline.
	var imageID string
	for _, step := range []func(a *platform.Application) (platform.RecordWrites, error){
		func(a *platform.Application) (platform.RecordWrites, error) {
			img, w, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "ci"}, ids.NewID(), now)
			imageID = img.ID
			return w, err
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			return a.RecordBuildSucceeded(imageID, "registry/web@sha256:1", strings.Repeat("a", 40), map[string]string{"web": "run web"}, now)
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			_, w, err := a.CreateRelease(imageID, ids.NewID(), now)
			return w, err
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			_, w, err := a.CreateDeployment(imageID, ids.NewID(), now)
			return w, err
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			w, _, err := a.CompletePipeline(imageID, now)
			return w, err
		},
	} {
		_, err = env.Store.UpdateApplicationRecords(ctx(), app.ID, 0, step)
		mustOK(t, err)
	}
	// A config version: the application, its guard's copy, the snapshot
	// and the history entry in one transaction.
	cur, err := env.Store.CurrentConfig(ctx(), app.ID)
	mustOK(t, err)
	mustOK(t, env.Store.CreateConfig(ctx(), app, configAt(cur, map[string]string{"LOG_LEVEL": "info"})))
	// Custom domains: two added (guards and the route-check marker), one
	// removed again, one made active.
	for _, host := range []string{"www.acme.test", "old.acme.test"} {
		_, err = env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
			_, err := a.AddDomain(host, "apps.test", now)
			return err
		})
		mustOK(t, err)
	}
	_, err = env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
		return a.RemoveDomain("old.acme.test")
	})
	mustOK(t, err)
	_, err = env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
		a.ObserveRoutes(map[string]platform.RouteState{"www.acme.test": {Routed: true, Target: "lb.test", TLSReady: true}}, now)
		a.RoutesApplied = a.RoutesSeq
		return nil
	})
	mustOK(t, err)
	// GitHub App installations linked to the organization; one unlinked.
	for _, id := range []int64{41, 43} {
		_, err := env.Store.LinkInstallation(ctx(), platform.Installation{ID: id, OrganizationSlug: p.OrganizationSlug, Account: "acme", Created: now})
		mustOK(t, err)
	}
	mustOK(t, env.Store.UnlinkInstallation(ctx(), p.OrganizationSlug, 43))
	for _, name := range []string{"kept", "revoked"} {
		tok := platform.Token{ID: ids.NewID(), Name: name, Role: platform.RoleAdmin, OrganizationID: p.OrganizationID,
			OrganizationSlug: p.OrganizationSlug, Hash: strings.Repeat(name[:1], 64), Created: now}
		mustOK(t, env.Store.CreateToken(ctx(), tok))
		if name == "revoked" {
			mustOK(t, env.Store.RevokeToken(ctx(), p.OrganizationSlug, tok.ID))
		}
	}
	_, _, err = env.Store.ClaimIdempotencyKey(ctx(), "key-pending", "hash", now.Add(time.Minute))
	mustOK(t, err)
	_, _, err = env.Store.ClaimIdempotencyKey(ctx(), "key-done", "hash", now.Add(time.Minute))
	mustOK(t, err)
	mustOK(t, env.Store.CompleteIdempotencyKey(ctx(), "key-done", platform.StoredResponse{Status: 201, Header: map[string]string{}, Body: []byte("{}")}, now.Add(time.Hour)))
	// Deliveries: one that concerned no application (the tag push),
	// one half-way with an outcome, one given up, one done.
	for _, guid := range []string{"tag-push", "half-way", "released", "done"} {
		d, _, err := env.Store.ClaimDelivery(ctx(), guid, "push", now)
		mustOK(t, err)
		switch guid {
		case "half-way":
			mustOK(t, env.Store.RecordDeliveryOutcome(ctx(), guid, app.ID, "started img"))
		case "released":
			mustOK(t, env.Store.ReleaseDelivery(ctx(), guid, d.ClaimedAt))
		case "done":
			mustOK(t, env.Store.RecordDeliveryOutcome(ctx(), guid, app.ID, "started img"))
			mustOK(t, env.Store.CompleteDelivery(ctx(), guid))
		}
	}
}

// TestFailedTransactionsLeaveEveryItemIntact makes every kind of
// transaction the store issues fail on the engine itself (the transaction
// sent again with one more condition that cannot hold), then reads every
// item back, by Scan and by Query of every partition and index, unchanged.
// It runs on the embedded server in make test and on moto in make check;
// the embedded server restores a copy of the table when a transaction
// fails, and that copy loses empty maps and lists.
func TestFailedTransactionsLeaveEveryItemIntact(t *testing.T) {
	env := storetest.New(t)
	rec := &txRecorder{DynamoDB: env.Requests.DynamoDB, kinds: map[string]*dynamodb.TransactWriteItemsInput{}}
	env.Requests.DynamoDB = rec
	buildWorld(t, env)
	before := env.Snapshot(t)
	for _, it := range before {
		if strings.Contains(it, `{"M":{}}`) || strings.Contains(it, `{"L":[]}`) {
			t.Errorf("an item holds an empty collection: %s", it)
		}
	}
	var kinds []string
	for k := range rec.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	// Every transaction of the store: projects, applications, tokens,
	// revocations, pipeline records, installation pointers.
	for _, want := range []string{"Put:PROJECT/PROJECT", "Check:PROJECT/PROJECT", "Put:TOKEN/TOKEN", "Delete:TOKEN/TOKEN", "Put:SLUG/SLUG", "Update:SLUG/SLUG", "Put:APP/IMAGE", "Put:APP/RELEASE", "Put:APP/DEPLOY", "Put:INSTALL/APP", "Delete:INSTALL/APP", "Check:ORG/ORG", "Put:DOMAIN/DOMAIN", "Delete:DOMAIN/DOMAIN", "Put:ROUTECHECK/APP", "Delete:ROUTECHECK/APP"} {
		if !strings.Contains(strings.Join(kinds, "\n"), want) {
			t.Errorf("the world issued no transaction with %s; kinds: %q", want, kinds)
		}
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			in := *rec.kinds[kind]
			in.TransactItems = append(append([]types.TransactWriteItem(nil), in.TransactItems...), types.TransactWriteItem{
				ConditionCheck: &types.ConditionCheck{
					TableName:           aws.String(env.Table),
					Key:                 map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "CONFORMANCE#absent"}, "SK": &types.AttributeValueMemberS{Value: "X"}},
					ConditionExpression: aws.String("attribute_exists(PK)"),
				},
			})
			_, err := env.Client.TransactWriteItems(context.Background(), &in)
			var canceled *types.TransactionCanceledException
			if !errors.As(err, &canceled) {
				t.Fatalf("the transaction did not fail as canceled: %v", err)
			}
			if d := storetest.SnapshotDiff(before, env.Snapshot(t)); d != "" {
				t.Fatalf("a failed transaction changed the table:\n%s", d)
			}
			if d := env.ReadBack(t, before); d != "" {
				t.Fatalf("after a failed transaction:\n%s", d)
			}
		})
	}
}

// TestFailedTransactionAfterAnIgnoredDelivery is the scenario of the
// report: a delivery that concerned no application, then a transaction
// that fails (a duplicate project slug); every application's records must
// still read.
func TestFailedTransactionAfterAnIgnoredDelivery(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	app := newApp(p, "web")
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	_, claimed, err := env.Store.ClaimDelivery(ctx(), "tag-push", "push", time.Now())
	mustOK(t, err)
	if !claimed {
		t.Fatal("the delivery was not claimed")
	}
	mustOK(t, env.Store.CompleteDelivery(ctx(), "tag-push"))
	dup := platform.Project{ID: ids.NewID(), OrganizationID: p.OrganizationID, OrganizationSlug: p.OrganizationSlug, Name: "again", Slug: p.Slug}
	wantCode(t, env.Store.CreateProject(ctx(), dup), platform.CodeConflict)
	if _, err := env.Store.ListDeployments(ctx(), app.ID, platform.PageRequest{Limit: 5}); err != nil {
		t.Fatalf("deployments after a failed transaction: %v", err)
	}
	for _, list := range []func(context.Context, string, int) error{
		func(c context.Context, id string, n int) error { _, err := env.Store.ListImages(c, id, n); return err },
		func(c context.Context, id string, n int) error {
			_, err := env.Store.ListReleases(c, id, n)
			return err
		},
	} {
		if err := list(ctx(), app.ID, 50); err != nil {
			t.Fatalf("pipeline records after a failed transaction: %v", err)
		}
	}
	d, claimed, err := env.Store.ClaimDelivery(ctx(), "tag-push", "push", time.Now())
	mustOK(t, err)
	if claimed || !d.Done {
		t.Fatalf("the delivery record was damaged: claimed %v %+v", claimed, d)
	}
}

// TestSlugGuardCarriesTheApplication walks an application through every
// kind of write the store makes of it and checks, after each, that Get by
// slug is one consistent GetItem (the slug guard's copy) and answers
// exactly what Get by id does; then that a guard written before the copies
// existed (only app_id) still reads, through the id, until the next write
// of the application gives it the copy.
func TestSlugGuardCarriesTheApplication(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	app := newApp(p, "web")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	same := func(t *testing.T, step string, wantCalls string) {
		t.Helper()
		env.Requests.Reset()
		bySlug, err := env.Store.GetApplicationBySlug(ctx(), p.OrganizationSlug, p.Slug, app.Slug)
		mustOK(t, err)
		if got := fmt.Sprint(env.Requests.Calls()); got != wantCalls {
			t.Errorf("%s: Get by slug made %s, want %s", step, got, wantCalls)
		}
		byID, err := env.Store.GetApplication(ctx(), app.ID)
		mustOK(t, err)
		if !reflect.DeepEqual(bySlug, byID) {
			t.Errorf("%s: by slug\n%+v\nby id\n%+v", step, bySlug, byID)
		}
	}
	update := func(mutate func(*platform.Application) (platform.RecordWrites, error)) {
		t.Helper()
		_, err := env.Store.UpdateApplicationRecords(ctx(), app.ID, 0, mutate)
		mustOK(t, err)
	}
	config := func(name string) {
		t.Helper()
		cur, err := env.Store.CurrentConfig(ctx(), app.ID)
		mustOK(t, err)
		mustOK(t, env.Store.CreateConfig(ctx(), app, configAt(cur, map[string]string{name: "x"})))
	}
	oneGet := "[GetItem]"
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	same(t, "created", oneGet)
	repo, branch, inst := "acme/web", "main", int64(41)
	update(func(a *platform.Application) (platform.RecordWrites, error) {
		a.GithubRepository, a.AutoDeployBranch, a.GithubAppInstallationID, a.ProcessCounts = &repo, &branch, &inst, map[string]int{"web": 2}
		return platform.RecordWrites{}, nil
	})
	same(t, "settings and installation", oneGet)
	config("A")
	same(t, "config version", oneGet)
	var imageID string
	update(func(a *platform.Application) (platform.RecordWrites, error) {
		img, w, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "ci"}, ids.NewID(), now)
		imageID = img.ID
		return w, err
	})
	same(t, "pipeline records", oneGet)
	config("B") // a config write between two whole-item writes
	update(func(a *platform.Application) (platform.RecordWrites, error) {
		return a.RecordBuildSucceeded(imageID, "registry/web@sha256:1", strings.Repeat("a", 40), map[string]string{"web": "run web"}, now)
	})
	same(t, "whole item after a config write", oneGet)

	// A guard as written before the copies: only the id.
	legacy := newApp(p, "old")
	mustOK(t, env.Store.CreateApplication(ctx(), legacy))
	guardKey := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "SLUG#APP#acme/shop/old"}, "SK": &types.AttributeValueMemberS{Value: "SLUG"},
	}
	_, err := env.Client.PutItem(ctx(), &dynamodb.PutItemInput{TableName: aws.String(env.Table), Item: map[string]types.AttributeValue{
		"PK": guardKey["PK"], "SK": guardKey["SK"], "app_id": &types.AttributeValueMemberS{Value: legacy.ID},
	}})
	mustOK(t, err)
	app = legacy
	same(t, "legacy guard", "[GetItem GetItem]")
	config("C") // gives the legacy guard a version, not a document
	same(t, "legacy guard after a config write", "[GetItem GetItem]")
	_, err = env.Store.UpdateApplication(ctx(), legacy.ID, 0, func(a *platform.Application) error {
		a.ProcessCounts = map[string]int{"web": 1}
		return nil
	})
	mustOK(t, err)
	same(t, "legacy guard after a write of the application", oneGet)

	// Deleted: the guard goes with the application.
	_, err = env.Store.DeleteApplication(ctx(), legacy.ID, "admin", now, func(*platform.Application) error { return nil })
	mustOK(t, err)
	_, err = env.Store.GetApplicationBySlug(ctx(), "acme", "shop", "old")
	wantCode(t, err, platform.CodeNotFound)
}
