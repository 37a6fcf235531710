package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// tombstoneSK is the sort key of a deleted application's tombstone, in
// the application's own partition: the teardown deletes every other item
// there, then the tombstone.
const tombstoneSK = "TOMBSTONE"

func tombstoneKey(appID string) item { return key(getS(appKey(appID), attrPK), tombstoneSK) }

// maxPurgeBatch is the most deletes one TransactWriteItems takes.
const maxPurgeBatch = 100

// DeleteApplication deletes the application item, its slug guard and its
// installation pointer and puts its tombstone, in one TransactWriteItems
// conditioned on the version read (see platform.Lifecycle).
func (s *Store) DeleteApplication(ctx context.Context, id, deletedBy string, now time.Time, check func(*platform.Application) error) (platform.Tombstone, error) {
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		it, err := s.getItem(ctx, appKey(id))
		if err != nil {
			return platform.Tombstone{}, err
		}
		if it == nil {
			return platform.Tombstone{}, platform.NotFound("application")
		}
		app, err := decodeApp(it)
		if err != nil {
			return platform.Tombstone{}, err
		}
		if err := check(&app); err != nil {
			return platform.Tombstone{}, err
		}
		ts := platform.Tombstone{Application: app, Deleted: now.UTC(), DeletedBy: deletedBy}
		err = s.writeTombstone(ctx, ts)
		if !errors.Is(err, errLostRace) {
			return ts, err
		}
		// The application changed meanwhile (say, a pipeline started):
		// read it again and check again.
	}
	return platform.Tombstone{}, platform.Unavailable(errTooMuchContention)
}

func (s *Store) writeTombstone(ctx context.Context, ts platform.Tombstone) error {
	app := ts.Application
	tomb, err := docItem(tombstoneKey(app.ID), ts)
	if err != nil {
		return err
	}
	tx := []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: appKey(app.ID), ConditionExpression: aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(app.Version)}}},
		{Delete: &types.Delete{TableName: s.table, Key: appGuardKey(app.OrganizationSlug, app.ProjectSlug, app.Slug),
			ConditionExpression: aws.String("app_id = :id"), ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(app.ID)}}},
		{Put: &types.Put{TableName: s.table, Item: tomb, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}
	if inst := app.GithubAppInstallationID; inst != nil {
		tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: installationKey(*inst, app.ID)}})
	}
	tx = append(tx, s.teardownDomains(app)...)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	if err == nil {
		return nil
	}
	if reasons := cancellationReasons(err); len(reasons) > 0 && (reasons[0] == "ConditionalCheckFailed" || reasons[0] == "TransactionConflict") {
		return errLostRace
	}
	return transactFailure(err, nil,
		platform.Errorf(platform.CodeInternal, "the slug guard of application %s is missing or not its own", app.ID),
		platform.Errorf(platform.CodeConflict, "application %s is being deleted", app.ID))
}

// GetTombstone returns a deleted application's tombstone: one GetItem.
func (s *Store) GetTombstone(ctx context.Context, id string) (platform.Tombstone, error) {
	it, err := s.getItem(ctx, tombstoneKey(id))
	if err != nil {
		return platform.Tombstone{}, err
	}
	if it == nil {
		return platform.Tombstone{}, platform.NotFound("application")
	}
	return decodeDoc[platform.Tombstone](it)
}

// PurgeApplication deletes up to max items of the application's partition
// other than its tombstone (whatever their kind): one Query of keys and
// one TransactWriteItems of deletes. It refuses while the application
// item exists, so it can never remove a live application's records.
func (s *Store) PurgeApplication(ctx context.Context, id string, max int) (int, bool, error) {
	if max <= 0 || max > maxPurgeBatch {
		max = maxPurgeBatch
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": appKey(id)[attrPK]},
		ProjectionExpression:      aws.String("PK, SK"),
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(max + 1)), // + the tombstone
	})
	if err != nil {
		return 0, false, classify(err)
	}
	var tx []types.TransactWriteItem
	left := 0
	for _, it := range out.Items {
		switch sk := getS(it, attrSK); {
		case sk == tombstoneSK:
		case sk == getS(appKey(id), attrSK):
			return 0, false, platform.Errorf(platform.CodeConflict, "application %s exists: it is not deleted", id)
		case len(tx) == max:
			left++
		default:
			tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: key(getS(it, attrPK), sk)}})
		}
	}
	done := len(out.LastEvaluatedKey) == 0 && left == 0
	if len(tx) == 0 {
		return 0, done, nil
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx}); err != nil {
		return 0, false, transactFailure(err)
	}
	return len(tx), done, nil
}

// ForgetTombstone deletes the tombstone once the teardown is complete.
func (s *Store) ForgetTombstone(ctx context.Context, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: tombstoneKey(id)})
	return classify(err)
}
