package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// tokenItemKey is a token's key with its GSI1 keys: a platform token is
// under PLATFORMTOKENS (PlatformTokens), an organization's token under its
// organization, newest (highest time-ordered id) last (ListTokens).
func tokenItemKey(t platform.Token) item {
	k := tokenKey(t.Hash)
	switch {
	case t.Role == platform.RolePlatform:
		k = withIndex(k, platformTokensPartition, t.ID)
	case t.OrganizationSlug != "":
		k = withIndex(k, tokensPartition(t.OrganizationSlug), t.ID)
	}
	return k
}

// decodeToken reads a token item: its document and the last_used
// attribute (epoch milliseconds) TouchToken writes beside it.
func decodeToken(it item) (platform.Token, error) {
	t, err := decodeDoc[platform.Token](it)
	if err != nil {
		return t, err
	}
	if _, ok := it[attrLastUsed]; ok {
		used := time.UnixMilli(getN(it, attrLastUsed)).UTC()
		t.LastUsed = &used
	}
	return t, nil
}

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
	tok, err := docItem(tokenItemKey(t), t)
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
	for _, t := range old {
		s.tokens.revoke(s.now(), t.Hash)
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return transactFailure(err, failures...)
	}
	for _, t := range old {
		s.tokens.revoke(s.now(), t.Hash)
	}
	return nil
}

// TokenByHash returns the token whose secret has the given SHA-256 hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (platform.Token, error) {
	if t, ok := s.tokens.get(hash, s.now()); ok {
		return t, nil
	}
	var t platform.Token
	it, err := s.getItem(ctx, tokenKey(hash))
	if err != nil {
		return t, err
	}
	if it == nil {
		return t, platform.NotFound("token")
	}
	t, err = decodeToken(it)
	if err == nil {
		s.tokens.put(t, s.now())
	}
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
	s.tokens.revoke(s.now(), getS(ptr, "hash"))
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: tokenKey(getS(ptr, "hash")), ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Delete: &types.Delete{TableName: s.table, Key: tokenIDKey(id), ConditionExpression: aws.String("attribute_exists(PK)")}},
	}})
	if err != nil {
		gone := platform.NotFound("token") // revoked concurrently
		return transactFailure(err, gone, gone)
	}
	s.tokens.revoke(s.now(), getS(ptr, "hash")) // and once deleted: no lookup read before can stay
	return nil
}

// attrLastUsed holds when a token last authenticated (epoch ms); it is
// outside the document so recording a use rewrites nothing else.
const attrLastUsed = "last_used"

// TouchToken records a use of the token at now: one conditional
// UpdateItem that writes only when the recorded use is older than
// platform.TokenUseResolution, and never recreates a revoked token. It
// also gives a token created before its index existed its index keys.
func (s *Store) TouchToken(ctx context.Context, t platform.Token, now time.Time) error {
	set := "SET last_used = :now"
	vals := map[string]types.AttributeValue{
		":now":   num(now.UnixMilli()),
		":stale": num(now.Add(-platform.TokenUseResolution).UnixMilli() + 1),
	}
	if k := tokenItemKey(t); k[attrGSI1PK] != nil {
		set += ", GSI1PK = :gpk, GSI1SK = :gsk"
		vals[":gpk"], vals[":gsk"] = k[attrGSI1PK], k[attrGSI1SK]
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: tokenKey(t.Hash),
		UpdateExpression:          aws.String(set),
		ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(last_used) OR last_used < :stale)"),
		ExpressionAttributeValues: vals,
	})
	if isConditionFailed(err) {
		s.tokens.used(t.Hash, now)
		return nil // revoked, or another request recorded a use meanwhile
	}
	if err == nil {
		s.tokens.used(t.Hash, now)
	}
	return classify(err)
}

// ListTokens pages through an organization's tokens, newest first: one
// Query of GSI1.
func (s *Store) ListTokens(ctx context.Context, orgSlug string, page platform.PageRequest) (platform.Page[platform.Token], error) {
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tokensPartition(orgSlug))},
		ScanIndexForward:          aws.Bool(false),
	}
	items, info, err := s.queryPage(ctx, in, "tokens:"+orgSlug, gsi1KeyAttrs, page)
	if err != nil {
		return platform.Page[platform.Token]{}, err
	}
	return pageOf(items, info, decodeToken)
}
