package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// CreateToken stores a token under the hash of its secret, with a pointer
// from its id for revocation, in one transaction. A platform token is also
// indexed in GSI1 (PlatformTokens finds it).
func (s *Store) CreateToken(ctx context.Context, t platform.Token) error {
	puts, err := s.tokenPuts(t)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: puts})
	if err != nil {
		dup := platform.Errorf(platform.CodeConflict, "token exists")
		return transactFailure(err, dup, dup)
	}
	return nil
}

// tokenPuts are the two conditional Puts that create a token.
func (s *Store) tokenPuts(t platform.Token) ([]types.TransactWriteItem, error) {
	k := tokenKey(t.Hash)
	if t.Role == platform.RolePlatform {
		k = withIndex(k, platformTokensPartition, t.ID)
	}
	tok, err := docItem(k, t)
	if err != nil {
		return nil, err
	}
	ptr := tokenIDKey(t.ID)
	ptr["hash"] = str(t.Hash)
	ptr["org_slug"] = str(t.OrganizationSlug)
	return []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.table, Item: tok, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: ptr, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}, nil
}

// PlatformTokens returns every platform token, oldest first (one Query of
// GSI1, eventually consistent).
func (s *Store) PlatformTokens(ctx context.Context) ([]platform.Token, error) {
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(platformTokensPartition)},
	}
	var tokens []platform.Token
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, it := range out.Items {
			var t platform.Token
			if err := readDoc(it, &t); err != nil {
				return nil, err
			}
			tokens = append(tokens, t)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return tokens, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// MaxReplacedTokens is how many platform tokens ReplacePlatformTokens can
// revoke in its one transaction (of at most 100 items).
const MaxReplacedTokens = 49

// ReplacePlatformTokens creates the platform token fresh and revokes the
// platform tokens old, all in one transaction: conflict when fresh exists
// or when one of old was revoked meanwhile (nothing is written then).
func (s *Store) ReplacePlatformTokens(ctx context.Context, fresh platform.Token, old []platform.Token) error {
	if fresh.Role != platform.RolePlatform {
		return platform.Errorf(platform.CodeInvalid, "not a platform token")
	}
	if len(old) > MaxReplacedTokens {
		return platform.Errorf(platform.CodeInvalid, "%d platform tokens to revoke; at most %d at once", len(old), MaxReplacedTokens)
	}
	items, err := s.tokenPuts(fresh)
	if err != nil {
		return err
	}
	dup := platform.Errorf(platform.CodeConflict, "token exists")
	gone := platform.Errorf(platform.CodeConflict, "a platform token was revoked concurrently; nothing changed")
	failures := []error{dup, dup}
	for _, t := range old {
		if t.Role != platform.RolePlatform {
			return platform.Errorf(platform.CodeInvalid, "token %s is not a platform token", t.ID)
		}
		exists := aws.String("attribute_exists(PK)")
		items = append(items,
			types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: tokenKey(t.Hash), ConditionExpression: exists}},
			types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: tokenIDKey(t.ID), ConditionExpression: exists}})
		failures = append(failures, gone, gone)
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return transactFailure(err, failures...)
	}
	return nil
}

// TokenByHash returns the token whose secret has the given SHA-256 hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (platform.Token, error) {
	var t platform.Token
	it, err := s.getItem(ctx, tokenKey(hash))
	if err != nil {
		return t, err
	}
	if it == nil {
		return t, platform.NotFound("token")
	}
	err = readDoc(it, &t)
	return t, err
}

// RevokeToken deletes the organization's token with the given id.
func (s *Store) RevokeToken(ctx context.Context, orgSlug, id string) error {
	ptr, err := s.getItem(ctx, tokenIDKey(id))
	if err != nil {
		return err
	}
	if ptr == nil || getS(ptr, "org_slug") != orgSlug {
		return platform.NotFound("token")
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: tokenKey(getS(ptr, "hash")), ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Delete: &types.Delete{TableName: s.table, Key: tokenIDKey(id), ConditionExpression: aws.String("attribute_exists(PK)")}},
	}})
	if err != nil {
		gone := platform.NotFound("token") // revoked concurrently
		return transactFailure(err, gone, gone)
	}
	return nil
}
