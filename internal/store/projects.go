package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// CreateProject stores a new project and its slug guard in one transaction.
func (s *Store) CreateProject(ctx context.Context, p platform.Project) error {
	project, err := docItem(withIndex(projectKey(p.ID), projectsPartition(p.OrganizationSlug), p.ID), p)
	if err != nil {
		return err
	}
	guard, err := docItem(withIndex(projectGuardKey(p.OrganizationSlug, p.Slug), appsPartition(p.OrganizationSlug, p.Slug), projectMarkerSK), p)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.table, Item: project, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: guard, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	if err != nil {
		return transactFailure(err,
			platform.Errorf(platform.CodeConflict, "project id %q exists", p.ID),
			platform.Errorf(platform.CodeConflict, "project slug %q is taken in organization %q", p.Slug, p.OrganizationSlug))
	}
	return nil
}

// GetProject returns the project with the given id.
func (s *Store) GetProject(ctx context.Context, id string) (platform.Project, error) {
	var p platform.Project
	it, err := s.getItem(ctx, projectKey(id))
	if err != nil {
		return p, err
	}
	if it == nil {
		return p, platform.NotFound("project")
	}
	err = readDoc(it, &p)
	return p, err
}

// ListProjects lists an organization's projects, newest first.
func (s *Store) ListProjects(ctx context.Context, orgSlug string, page platform.PageRequest) (platform.Page[platform.Project], error) {
	pk := projectsPartition(orgSlug)
	items, info, err := s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(false),
	}, pk, gsi1KeyAttrs, page)
	if err != nil {
		return platform.Page[platform.Project]{}, err
	}
	return pageOf(items, info, decodeDoc[platform.Project])
}
