package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// CreateOrganization stores a new organization; its slug must be free.
func (s *Store) CreateOrganization(ctx context.Context, org platform.Organization) error {
	it, err := docItem(withIndex(orgKey(org.Slug), orgsPartition, org.ID), org)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: it,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return platform.Errorf(platform.CodeConflict, "organization slug %q is taken", org.Slug)
	}
	return classify(err)
}

// GetOrganization returns the organization with the given slug.
func (s *Store) GetOrganization(ctx context.Context, slug string) (platform.Organization, error) {
	var org platform.Organization
	it, err := s.getItem(ctx, orgKey(slug))
	if err != nil {
		return org, err
	}
	if it == nil {
		return org, platform.NotFound("organization")
	}
	err = readDoc(it, &org)
	return org, err
}

// ListOrganizations lists every organization, newest first.
func (s *Store) ListOrganizations(ctx context.Context, page platform.PageRequest) (platform.Page[platform.Organization], error) {
	items, info, err := s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgsPartition)},
		ScanIndexForward:          aws.Bool(false),
	}, "organizations", gsi1KeyAttrs, page)
	if err != nil {
		return platform.Page[platform.Organization]{}, err
	}
	return pageOf(items, info, decodeDoc[platform.Organization])
}

func decodeDoc[T any](it item) (T, error) {
	var v T
	err := readDoc(it, &v)
	return v, err
}
