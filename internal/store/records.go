package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Pipeline records live in their application's partition, APP#<id>, under
// sort keys that order them: versions zero-padded, deployments by their
// time-ordered id.
const (
	imagePrefix      = "IMAGE#"
	releasePrefix    = "RELEASE#"
	deploymentPrefix = "DEPLOY#"
)

func versionSK(prefix string, version int64) string { return fmt.Sprintf("%s%010d", prefix, version) }

func recordItems(appID string, w platform.RecordWrites) ([]item, error) {
	pk := getS(appKey(appID), attrPK)
	var items []item
	add := func(sk string, doc any) error {
		it, err := docItem(key(pk, sk), doc)
		items = append(items, it)
		return err
	}
	for _, img := range w.Images {
		if err := add(versionSK(imagePrefix, img.Version), img); err != nil {
			return nil, err
		}
	}
	for _, rel := range w.Releases {
		if err := add(versionSK(releasePrefix, rel.Version), rel); err != nil {
			return nil, err
		}
	}
	for _, dep := range w.Deployments {
		if err := add(deploymentPrefix+dep.ID, dep); err != nil {
			return nil, err
		}
	}
	return items, nil
}

func (s *Store) recordQuery(appID, prefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              s.table,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": appKey(appID)[attrPK], ":prefix": str(prefix),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
	}
}

func listNewest[T any](ctx context.Context, s *Store, appID, prefix string, limit int) ([]T, error) {
	items, _, err := s.queryPage(ctx, s.recordQuery(appID, prefix), "records:"+prefix+appID, primaryKeyAttrs, platform.PageRequest{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		v, err := decodeDoc[T](it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ListImages returns an application's newest images, newest first.
func (s *Store) ListImages(ctx context.Context, appID string, limit int) ([]platform.Image, error) {
	return listNewest[platform.Image](ctx, s, appID, imagePrefix, limit)
}

// ListReleases returns an application's newest releases, newest first.
func (s *Store) ListReleases(ctx context.Context, appID string, limit int) ([]platform.Release, error) {
	return listNewest[platform.Release](ctx, s, appID, releasePrefix, limit)
}

// ListDeployments pages through an application's deployments, newest first.
func (s *Store) ListDeployments(ctx context.Context, appID string, page platform.PageRequest) (platform.Page[platform.Deployment], error) {
	items, info, err := s.queryPage(ctx, s.recordQuery(appID, deploymentPrefix), "deployments:"+appID, primaryKeyAttrs, page)
	if err != nil {
		return platform.Page[platform.Deployment]{}, err
	}
	return pageOf(items, info, decodeDoc[platform.Deployment])
}

// PageImages pages through an application's images, newest first.
func (s *Store) PageImages(ctx context.Context, appID string, page platform.PageRequest) (platform.Page[platform.Image], error) {
	return pageRecords[platform.Image](ctx, s, appID, imagePrefix, "images:", page)
}

// PageReleases pages through an application's releases, newest first.
func (s *Store) PageReleases(ctx context.Context, appID string, page platform.PageRequest) (platform.Page[platform.Release], error) {
	return pageRecords[platform.Release](ctx, s, appID, releasePrefix, "releases:", page)
}

// pageRecords reads one page of the records under prefix; list names the
// list the cursor is bound to (with the application id).
func pageRecords[T any](ctx context.Context, s *Store, appID, prefix, list string, page platform.PageRequest) (platform.Page[T], error) {
	items, info, err := s.queryPage(ctx, s.recordQuery(appID, prefix), list+appID, primaryKeyAttrs, page)
	if err != nil {
		return platform.Page[T]{}, err
	}
	return pageOf(items, info, decodeDoc[T])
}
