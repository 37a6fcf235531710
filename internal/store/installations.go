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

// installationDoc is the stored document of an installation link (guard
// and organization copy alike).
type installationDoc struct {
	ID               int64     `json:"id"`
	OrganizationSlug string    `json:"organization_slug"`
	Account          string    `json:"account,omitempty"`
	Created          time.Time `json:"created"`
}

func (d installationDoc) installation() platform.Installation {
	return platform.Installation{ID: d.ID, OrganizationSlug: d.OrganizationSlug, Account: d.Account, Created: d.Created}
}

// LinkInstallation writes the guard (the installation is free) and the
// organization's copy, checking that the organization exists, in one
// transaction; see platform.Installations.
func (s *Store) LinkInstallation(ctx context.Context, in platform.Installation) (platform.Installation, error) {
	doc := installationDoc{ID: in.ID, OrganizationSlug: in.OrganizationSlug, Account: in.Account, Created: in.Created}
	guard, err := docItem(githubInstallationKey(in.ID), doc)
	if err != nil {
		return in, err
	}
	guard["org_slug"] = str(in.OrganizationSlug)
	link, err := docItem(orgInstallationKey(in.OrganizationSlug, in.ID), doc)
	if err != nil {
		return in, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: s.table, Key: orgKey(in.OrganizationSlug), ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: guard, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: s.table, Item: link}},
	}})
	if err == nil {
		return in, nil
	}
	taken := platform.Errorf(platform.CodeConflict, "installation %d is taken", in.ID)
	err = transactFailure(err, platform.NotFound("organization"), taken)
	if err != taken {
		return in, err
	}
	existing, err := s.GetInstallation(ctx, in.ID)
	switch {
	case platform.IsCode(err, platform.CodeNotFound):
		return in, errUnlinkRace // unlinked meanwhile: a retry links it
	case err != nil:
		return in, err
	case existing.OrganizationSlug != in.OrganizationSlug:
		return in, platform.Errorf(platform.CodeConflict, "GitHub App installation %d belongs to another organization", in.ID)
	}
	return existing, nil
}

var errUnlinkRace = platform.Errorf(platform.CodeUnavailable, "the installation was unlinked concurrently")

// GetInstallation reads an installation's guard.
func (s *Store) GetInstallation(ctx context.Context, id int64) (platform.Installation, error) {
	it, err := s.getItem(ctx, githubInstallationKey(id))
	if err != nil {
		return platform.Installation{}, err
	}
	if it == nil {
		return platform.Installation{}, platform.NotFound("installation")
	}
	doc, err := decodeDoc[installationDoc](it)
	return doc.installation(), err
}

// ListInstallations reads the organization item and its installation
// copies with one consistent Query of the organization's partition.
func (s *Store) ListInstallations(ctx context.Context, orgSlug string) ([]platform.Installation, error) {
	pk := orgKey(orgSlug)["PK"]
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": pk},
		ConsistentRead:            aws.Bool(true),
	}
	found := false
	list := []platform.Installation{}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, it := range out.Items {
			sk := getS(it, attrSK)
			switch {
			case sk == "ORG":
				found = true
			case strings.HasPrefix(sk, orgInstallationSKPrefix):
				doc, err := decodeDoc[installationDoc](it)
				if err != nil {
					return nil, err
				}
				list = append(list, doc.installation())
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if !found {
		return nil, platform.NotFound("organization")
	}
	return list, nil
}

// UnlinkInstallation deletes the guard (on the condition that the
// organization holds it) and the organization's copy in one transaction.
func (s *Store) UnlinkInstallation(ctx context.Context, orgSlug string, id int64) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: githubInstallationKey(id),
			ConditionExpression:       aws.String("org_slug = :org"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":org": str(orgSlug)}}},
		{Delete: &types.Delete{TableName: s.table, Key: orgInstallationKey(orgSlug, id)}},
	}})
	if err != nil {
		return transactFailure(err, platform.NotFound("installation"))
	}
	return nil
}
