package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// maxUpdateAttempts bounds the optimistic-locking retries of one update.
const maxUpdateAttempts = 8

func (s *Store) appItem(app platform.Application) (item, error) {
	it, err := docItem(withIndex(appKey(app.ID), appsPartition(app.OrganizationSlug, app.ProjectSlug), appSKPrefix+app.Slug), app)
	if err != nil {
		return nil, err
	}
	it["version"] = num(app.Version)
	if app.ConfigVersion > 0 {
		it[attrConfigVersion] = num(app.ConfigVersion)
	}
	if app.GithubRepository != nil {
		branch := ""
		if app.AutoDeployBranch != nil {
			branch = *app.AutoDeployBranch
		}
		it[attrGSI2PK] = str(repositoryPartition(*app.GithubRepository))
		it[attrGSI2SK] = str(pushSortKey(branch, app.ID))
	}
	return it, nil
}

// guardItem is the application's slug guard carrying a copy of the
// application item (its document, version and config version) but none of
// its index keys, so that Get by slug is one consistent GetItem and the
// copy is never found by a query. Every write of the application item
// writes the copy in the same transaction; a guard written before copies
// existed holds only app_id (see GetApplicationBySlug).
func guardItem(app platform.Application, appIt item) item {
	guard := appGuardKey(app.OrganizationSlug, app.ProjectSlug, app.Slug)
	guard["app_id"] = str(app.ID)
	for _, attr := range []string{"doc", "version", attrConfigVersion} {
		if v, ok := appIt[attr]; ok {
			guard[attr] = v
		}
	}
	return guard
}

func decodeApp(it item) (platform.Application, error) {
	var app platform.Application
	if err := readDoc(it, &app); err != nil {
		return app, err
	}
	app.Version = getN(it, "version")
	app.ConfigVersion = getN(it, attrConfigVersion)
	return app, nil
}

// CreateApplication stores a new application at version 1, its slug guard
// (with the application's copy), and checks that its project exists, in
// one transaction.
func (s *Store) CreateApplication(ctx context.Context, app platform.Application) error {
	app.Version = 1
	appIt, err := s.appItem(app)
	if err != nil {
		return err
	}
	guard := guardItem(app, appIt)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: s.table, Key: projectKey(app.ProjectID), ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: guard, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: appIt, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	if err != nil {
		return transactFailure(err,
			platform.NotFound("project"),
			platform.Errorf(platform.CodeConflict, "application slug %q is taken in project %q", app.Slug, app.ProjectSlug),
			platform.Errorf(platform.CodeConflict, "application id %q exists", app.ID))
	}
	return nil
}

// GetApplication returns the application with the given id.
func (s *Store) GetApplication(ctx context.Context, id string) (platform.Application, error) {
	it, err := s.getItem(ctx, appKey(id))
	if err != nil {
		return platform.Application{}, err
	}
	if it == nil {
		return platform.Application{}, platform.NotFound("application")
	}
	return decodeApp(it)
}

// GetApplicationBySlug finds an application by its organization, project
// and application slugs: one consistent GetItem of the slug guard, which
// carries the application's copy (written in every transaction that writes
// the application, so it is never older than the application item). A
// guard written before the copies existed holds only the application's id:
// then the application item is read by id, a second GetItem. A missing
// guard is not_found (a deleted application's guard is deleted with it).
func (s *Store) GetApplicationBySlug(ctx context.Context, orgSlug, projectSlug, appSlug string) (platform.Application, error) {
	guard, err := s.getItem(ctx, appGuardKey(orgSlug, projectSlug, appSlug))
	switch {
	case err != nil:
		return platform.Application{}, err
	case guard == nil:
		return platform.Application{}, platform.NotFound("application")
	case guard["doc"] != nil:
		return decodeApp(guard)
	}
	return s.GetApplication(ctx, getS(guard, "app_id"))
}

// ListApplications returns a project's applications sorted by slug.
func (s *Store) ListApplications(ctx context.Context, orgSlug, projectSlug string) ([]platform.Application, error) {
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appsPartition(orgSlug, projectSlug))},
	}
	apps := []platform.Application{}
	projectSeen := false
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, it := range out.Items {
			if !strings.HasPrefix(getS(it, attrGSI1SK), appSKPrefix) {
				projectSeen = true
				continue
			}
			app, err := decodeApp(it)
			if err != nil {
				return nil, err
			}
			apps = append(apps, app)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if !projectSeen {
		// The index lags writes: a new project is known to its guard.
		guard, err := s.getItem(ctx, projectGuardKey(orgSlug, projectSlug))
		if err != nil {
			return nil, err
		}
		if guard == nil {
			return nil, platform.NotFound("project")
		}
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].Slug < apps[j].Slug })
	return apps, nil
}

// UpdateApplication applies mutate under optimistic locking; see
// platform.Applications.
func (s *Store) UpdateApplication(ctx context.Context, id string, ifVersion int64, mutate func(*platform.Application) error) (platform.Application, error) {
	return s.UpdateApplicationRecords(ctx, id, ifVersion, func(app *platform.Application) (platform.RecordWrites, error) {
		return platform.RecordWrites{}, mutate(app)
	})
}

// UpdateApplicationRecords applies mutate under optimistic locking and
// writes the application with the records mutate returns in one
// transaction; see platform.Pipelines.
func (s *Store) UpdateApplicationRecords(ctx context.Context, id string, ifVersion int64, mutate func(*platform.Application) (platform.RecordWrites, error)) (platform.Application, error) {
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		it, err := s.getItem(ctx, appKey(id))
		if err != nil {
			return platform.Application{}, err
		}
		if it == nil {
			return platform.Application{}, platform.NotFound("application")
		}
		// Two decodings of the stored document: mutate may change next's
		// maps in place without touching current.
		current, err := decodeApp(it)
		if err != nil {
			return platform.Application{}, err
		}
		next, _ := decodeApp(it)
		records, err := mutate(&next)
		if err != nil {
			return platform.Application{}, err
		}
		// Checked after mutate, so that its not_found for an invisible
		// application wins over a stale If-Match (no existence leak).
		if ifVersion > 0 && current.Version != ifVersion {
			return platform.Application{}, staleVersion()
		}
		if records.Empty() && storedAs(it, next) {
			return current, nil // nothing changed: no write, no new version
		}
		next.ID, next.Version, next.Updated = current.ID, current.Version+1, s.now().UTC()
		err = s.writeApplication(ctx, current, next, records)
		switch {
		case err == nil:
			return next, nil
		case !errors.Is(err, errLostRace):
			return platform.Application{}, err
		case ifVersion > 0:
			return platform.Application{}, staleVersion()
		}
		// Lost a race without If-Match: read again and reapply.
	}
	return platform.Application{}, platform.Unavailable(errTooMuchContention)
}

var errLostRace = errors.New("store: the application changed concurrently")

// writeApplication puts next on the condition that the application is
// still at current's version, with its slug guard's copy, the records and
// the installation pointer changes, as one transaction.
func (s *Store) writeApplication(ctx context.Context, current, next platform.Application, records platform.RecordWrites) error {
	appIt, err := s.appItem(next)
	if err != nil {
		return err
	}
	cond := aws.String("version = :v")
	vals := map[string]types.AttributeValue{":v": num(current.Version)}
	others, err := recordItems(next.ID, records)
	if err != nil {
		return err
	}
	tx := []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.table, Item: appIt, ConditionExpression: cond, ExpressionAttributeValues: vals}},
		// Unconditional: the application item's condition decides, and an
		// application item at that version always has this guard.
		{Put: &types.Put{TableName: s.table, Item: guardItem(next, appIt)}},
	}
	for _, it := range others {
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: it}})
	}
	tx = append(tx, s.installationChanges(current, next)...)
	failures := make([]error, len(tx)) // the application first, then its guard
	domainTx, domainFailures := s.domainChanges(current, next)
	tx, failures = append(tx, domainTx...), append(failures, domainFailures...)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	if err != nil {
		reasons := cancellationReasons(err)
		if len(reasons) > 0 && (reasons[0] == "ConditionalCheckFailed" || slices.Contains(reasons, "TransactionConflict")) {
			// The application changed, or another transaction held one of
			// the items (say, a hostname guard another application is
			// claiming): read again and retry, so the loser of a race for a
			// hostname learns it is taken (a conflict), not a 503.
			return errLostRace
		}
		return transactFailure(err, failures...)
	}
	return nil
}

// installationChanges keeps the installation pointers of an application
// true when its GitHub App installation changes.
func (s *Store) installationChanges(current, next platform.Application) []types.TransactWriteItem {
	before, after := current.GithubAppInstallationID, next.GithubAppInstallationID
	if before == after || (before != nil && after != nil && *before == *after) {
		return nil
	}
	var tx []types.TransactWriteItem
	if before != nil {
		tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: installationKey(*before, next.ID)}})
	}
	if after != nil {
		ptr := installationKey(*after, next.ID)
		ptr["app_id"] = str(next.ID)
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: ptr}})
	}
	return tx
}

var errTooMuchContention = platform.Errorf(platform.CodeUnavailable, "the application is being changed by many requests at once")

func staleVersion() error {
	return platform.Errorf(platform.CodePreconditionFailed, "the application has changed since it was read (If-Match is stale)")
}

// storedAs reports whether app would be stored as the item's document is.
func storedAs(it item, app platform.Application) bool {
	b, err := json.Marshal(app)
	return err == nil && string(b) == getS(it, "doc")
}
