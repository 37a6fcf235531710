package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// CreateToken stores a token under the hash of its secret, with a pointer
// from its id for revocation, in one transaction.
func (s *Store) CreateToken(ctx context.Context, t platform.Token) error {
	tok, err := docItem(tokenKey(t.Hash), t)
	if err != nil {
		return err
	}
	ptr := tokenIDKey(t.ID)
	ptr["hash"] = str(t.Hash)
	ptr["org_slug"] = str(t.OrganizationSlug)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.table, Item: tok, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: ptr, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	if err != nil {
		dup := platform.Errorf(platform.CodeConflict, "token exists")
		return transactFailure(err, dup, dup)
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
