package store

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// An application's custom domains are part of its item (platform.Domain,
// at most platform.MaxDomains), so they change in the same conditional
// write as the application. Each hostname is held by a guard item of its
// own, written in that transaction: the global uniqueness of hostnames.
// An application that needs the scheduled route check (routes to apply, a
// domain not active yet) has a marker item in one partition, which the
// check lists with one Query.

// domainGuardKey is the guard that gives a hostname to one application.
func domainGuardKey(host string) item { return key("DOMAIN#"+host, "DOMAIN") }

// routeCheckPartition holds one marker per application the route check
// has work on.
const routeCheckPartition = "ROUTECHECK"

func routeCheckKey(appID string) item { return key(routeCheckPartition, appSKPrefix+appID) }

// domainChanges are the guard and marker writes that keep the table true
// when an application's domains change from current to next, with the
// error of each item whose condition may fail (a hostname another
// application holds).
func (s *Store) domainChanges(current, next platform.Application) ([]types.TransactWriteItem, []error) {
	var tx []types.TransactWriteItem
	var failures []error
	had := make(map[string]bool, len(current.Domains))
	for _, d := range current.Domains {
		had[d.Hostname] = true
	}
	has := make(map[string]bool, len(next.Domains))
	for _, d := range next.Domains {
		has[d.Hostname] = true
		if had[d.Hostname] {
			continue
		}
		guard := domainGuardKey(d.Hostname)
		guard["app_id"] = str(next.ID)
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: guard,
			ConditionExpression: aws.String("attribute_not_exists(PK) OR app_id = :id"), ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(next.ID)}}})
		failures = append(failures, platform.Errorf(platform.CodeConflict, "the domain %s belongs to another application", d.Hostname))
	}
	for _, d := range current.Domains {
		if !has[d.Hostname] {
			tx = append(tx, s.dropDomainGuard(d.Hostname, next.ID))
			failures = append(failures, nil)
		}
	}
	switch before, after := current.NeedsRouteCheck(), next.NeedsRouteCheck(); {
	case after && !before:
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: routeCheckKey(next.ID)}})
		failures = append(failures, nil)
	case before && !after:
		tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: routeCheckKey(next.ID)}})
		failures = append(failures, nil)
	}
	return tx, failures
}

// dropDomainGuard deletes a hostname's guard on the condition that the
// application holds it (or that it is gone already).
func (s *Store) dropDomainGuard(host, appID string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: domainGuardKey(host),
		ConditionExpression: aws.String("attribute_not_exists(PK) OR app_id = :id"), ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(appID)}}}
}

// teardownDomains are the deletes of a deleted application's domain
// guards and route-check marker, written with its tombstone.
func (s *Store) teardownDomains(app platform.Application) []types.TransactWriteItem {
	var tx []types.TransactWriteItem
	for _, d := range app.Domains {
		tx = append(tx, s.dropDomainGuard(d.Hostname, app.ID))
	}
	return append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: routeCheckKey(app.ID)}})
}

// DomainOwner returns the id of the application that holds hostname (one
// GetItem of its guard); not_found when none does.
func (s *Store) DomainOwner(ctx context.Context, host string) (string, error) {
	it, err := s.getItem(ctx, domainGuardKey(host))
	if err != nil {
		return "", err
	}
	if it == nil {
		return "", platform.NotFound("domain")
	}
	return getS(it, "app_id"), nil
}

// RouteChecks returns the ids of the applications the scheduled route
// check has work on (at most limit): one Query of the marker partition.
func (s *Store) RouteChecks(ctx context.Context, limit int) ([]string, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(routeCheckPartition)},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, classify(err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		ids = append(ids, strings.TrimPrefix(getS(it, attrSK), appSKPrefix))
	}
	return ids, nil
}
