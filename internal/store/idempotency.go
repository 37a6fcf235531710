package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// ClaimIdempotencyKey claims a key with a conditional put that succeeds
// only when no live record holds it.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, k, requestHash string, claimUntil time.Time) (platform.IdempotencyRecord, bool, error) {
	it := idempotencyKey(k)
	it["request_hash"] = str(requestHash)
	it["expires_at"] = num(claimUntil.Unix())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: it,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR expires_at < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.now().Unix())},
	})
	if err == nil {
		return platform.IdempotencyRecord{Key: k, RequestHash: requestHash, ExpiresAt: claimUntil}, true, nil
	}
	if !isConditionFailed(err) {
		return platform.IdempotencyRecord{}, false, classify(err)
	}
	existing, err := s.getItem(ctx, idempotencyKey(k))
	if err != nil {
		return platform.IdempotencyRecord{}, false, err
	}
	if existing == nil {
		// Released between our put and our read: the caller may retry.
		return platform.IdempotencyRecord{}, false, platform.Unavailable(errClaimRace)
	}
	rec := platform.IdempotencyRecord{Key: k, RequestHash: getS(existing, "request_hash"), ExpiresAt: time.Unix(getN(existing, "expires_at"), 0)}
	if body := getS(existing, "response"); body != "" {
		var resp platform.StoredResponse
		if err := json.Unmarshal([]byte(body), &resp); err != nil {
			return rec, false, err
		}
		rec.Response = &resp
	}
	return rec, false, nil
}

var errClaimRace = platform.Errorf(platform.CodeUnavailable, "idempotency key released concurrently")

// CompleteIdempotencyKey stores the response to replay for the key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, k string, resp platform.StoredResponse, keepUntil time.Time) error {
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: idempotencyKey(k),
		UpdateExpression:         aws.String("SET #r = :r, expires_at = :e"),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#r": "response"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":r": str(string(body)), ":e": num(keepUntil.Unix()),
		},
	})
	return classify(err)
}

// ReleaseIdempotencyKey deletes the claim on a key.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: idempotencyKey(k)})
	return classify(err)
}
