package store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// A delivery item holds no map: an outcome is a top-level attribute named
// outcomePrefix + the application id, so the item never holds an empty
// collection (see storetest's shape check) and one UpdateItem records an
// outcome whether or not others exist.
const outcomePrefix = "outcome:"

// ClaimDelivery records a webhook delivery before it is processed; see
// platform.Webhooks.
func (s *Store) ClaimDelivery(ctx context.Context, guid, event string, now time.Time) (platform.Delivery, bool, error) {
	it := deliveryKey(guid)
	it["event"] = str(event)
	it["done"] = &types.AttributeValueMemberBOOL{Value: false}
	it["received_at"] = num(now.UnixMilli())
	it["claimed_at"] = num(now.Unix())
	it["expires_at"] = num(now.Add(platform.DeliveryRetention).Unix())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: it,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR expires_at < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	if err == nil {
		return platform.Delivery{GUID: guid, Event: event, Outcomes: map[string]string{}, Received: now.Truncate(time.Millisecond), ClaimedAt: now}, true, nil
	}
	if !isConditionFailed(err) {
		return platform.Delivery{}, false, classify(err)
	}
	existing, err := s.getItem(ctx, deliveryKey(guid))
	if err != nil || existing == nil {
		return platform.Delivery{}, false, platform.Unavailable(errClaimRace)
	}
	d := decodeDelivery(guid, existing)
	if d.Done || now.Sub(d.ClaimedAt) < platform.DeliveryLease {
		return d, false, nil
	}
	// The last attempt died half-way, or gave its claim up: take the
	// delivery over, unless another redelivery just did.
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: deliveryKey(guid),
		UpdateExpression:    aws.String("SET claimed_at = :now"),
		ConditionExpression: aws.String("claimed_at = :then AND done = :false"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.Unix()), ":then": num(d.ClaimedAt.Unix()), ":false": &types.AttributeValueMemberBOOL{Value: false},
		},
	})
	if isConditionFailed(err) {
		return d, false, nil
	}
	if err != nil {
		return d, false, classify(err)
	}
	d.ClaimedAt = now
	return d, true, nil
}

func decodeDelivery(guid string, it item) platform.Delivery {
	d := platform.Delivery{
		GUID: guid, Event: getS(it, "event"), Outcomes: map[string]string{},
		Received: time.UnixMilli(getN(it, "received_at")).UTC(), ClaimedAt: time.Unix(getN(it, "claimed_at"), 0),
	}
	if _, ok := it["received_at"]; !ok { // written before received_at existed: the claim's retention tells
		d.Received = time.Unix(getN(it, "expires_at"), 0).Add(-platform.DeliveryRetention).UTC()
	}
	if b, ok := it["done"].(*types.AttributeValueMemberBOOL); ok {
		d.Done = b.Value
	}
	for name, v := range it {
		if app, ok := strings.CutPrefix(name, outcomePrefix); ok {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				d.Outcomes[app] = sv.Value
			}
		}
	}
	if m, ok := it["outcomes"].(*types.AttributeValueMemberM); ok { // written before outcomePrefix
		for k, v := range m.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				d.Outcomes[k] = sv.Value
			}
		}
	}
	return d
}

// RecordDeliveryOutcome stores what a delivery did to one application.
func (s *Store) RecordDeliveryOutcome(ctx context.Context, guid, appID, outcome string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: deliveryKey(guid),
		UpdateExpression:          aws.String("SET #outcome = :outcome"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#outcome": outcomePrefix + appID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":outcome": str(outcome)},
	})
	return classify(err)
}

// ReleaseDelivery gives up the claim taken at claimedAt on an unfinished
// delivery, so that a redelivery is processed at once instead of after the
// lease; the outcomes recorded so far stay. A claim another request has
// taken over since is left alone.
func (s *Store) ReleaseDelivery(ctx context.Context, guid string, claimedAt time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: deliveryKey(guid),
		UpdateExpression:    aws.String("SET claimed_at = :released"),
		ConditionExpression: aws.String("claimed_at = :mine AND done = :false"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":released": num(0), ":mine": num(claimedAt.Unix()), ":false": &types.AttributeValueMemberBOOL{Value: false},
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return classify(err)
}

// CompleteDelivery marks a delivery done.
func (s *Store) CompleteDelivery(ctx context.Context, guid string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: deliveryKey(guid),
		UpdateExpression:          aws.String("SET done = :true"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
	})
	return classify(err)
}

// ApplicationsForPush queries GSI2 for the applications of a repository and branch.
func (s *Store) ApplicationsForPush(ctx context.Context, repository, branch string) ([]platform.Application, error) {
	return s.queryApps(ctx, &dynamodb.QueryInput{
		IndexName:              aws.String(indexGSI2),
		KeyConditionExpression: aws.String("GSI2PK = :repo AND begins_with(GSI2SK, :branch)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":repo": str(repositoryPartition(repository)), ":branch": str(pushSortKey(branch, "")),
		},
	})
}

// ApplicationsForRepository queries GSI2 for every application of a repository.
func (s *Store) ApplicationsForRepository(ctx context.Context, repository string) ([]platform.Application, error) {
	return s.queryApps(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI2),
		KeyConditionExpression:    aws.String("GSI2PK = :repo"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":repo": str(repositoryPartition(repository))},
	})
}

func (s *Store) queryApps(ctx context.Context, in *dynamodb.QueryInput) ([]platform.Application, error) {
	in.TableName = s.table
	var apps []platform.Application
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, it := range out.Items {
			app, err := decodeApp(it)
			if err != nil {
				return nil, err
			}
			apps = append(apps, app)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return apps, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// ApplicationsForInstallation follows the installation's pointers.
func (s *Store) ApplicationsForInstallation(ctx context.Context, installationID int64) ([]platform.Application, error) {
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(installationPartition(installationID))},
		ConsistentRead:            aws.Bool(true),
	}
	var apps []platform.Application
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, it := range out.Items {
			app, err := s.GetApplication(ctx, getS(it, "app_id"))
			if platform.IsCode(err, platform.CodeNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			apps = append(apps, app)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return apps, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
