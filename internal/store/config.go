package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Config versions live in their application's partition: the snapshot of
// every version under CONFIG#<version> and its history entry (names only)
// under CONFIGLOG#<version>, both written once and never changed.
const (
	configPrefix      = "CONFIG#"
	configLogPrefix   = "CONFIGLOG#"
	attrConfigVersion = "config_version"
	// attrDocZ holds a config snapshot: its JSON document, gzip-compressed
	// (sealed values are base64 in JSON; compression takes that back).
	attrDocZ = "docz"
	// maxConfigItemBytes keeps a snapshot under DynamoDB's 400 KB item
	// limit with room for the keys and attribute names.
	maxConfigItemBytes = 390_000
)

// configDoc is the stored document of a config snapshot. Wrapped data keys
// are kept once per snapshot (Keys) and referenced by index, as one PATCH
// seals all its secrets with one data key.
type configDoc struct {
	Version   int64                   `json:"version"`
	Created   time.Time               `json:"created"`
	CreatedBy string                  `json:"created_by"`
	Keys      [][]byte                `json:"keys,omitempty"`
	Vars      map[string]configVarDoc `json:"vars"`
}

type configVarDoc struct {
	Value       string    `json:"value,omitempty"`
	Secret      bool      `json:"secret,omitempty"`
	Key         int       `json:"key,omitempty"` // index into Keys, for secrets
	Box         []byte    `json:"box,omitempty"` // the sealed value, for secrets
	Scope       string    `json:"scope"`
	Size        int       `json:"size"`
	Fingerprint string    `json:"fingerprint"`
	Updated     time.Time `json:"updated"`
	UpdatedBy   string    `json:"updated_by"`
}

// configLogDoc is the stored document of a history entry.
type configLogDoc struct {
	Version   int64     `json:"version"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	Added     []string  `json:"added"`
	Removed   []string  `json:"removed"`
	Changed   []string  `json:"changed"`
}

func encodeConfig(c platform.Config) ([]byte, error) {
	doc := configDoc{Version: c.Version, Created: c.Created, CreatedBy: c.CreatedBy, Vars: make(map[string]configVarDoc, len(c.Vars))}
	keyIndex := map[string]int{}
	for name, v := range c.Vars {
		d := configVarDoc{Value: v.Value, Secret: v.Secret, Scope: string(v.Scope), Size: v.Size, Fingerprint: v.Fingerprint, Updated: v.Updated, UpdatedBy: v.UpdatedBy}
		if v.Sealed != nil {
			i, ok := keyIndex[string(v.Sealed.Key)]
			if !ok {
				i = len(doc.Keys)
				keyIndex[string(v.Sealed.Key)] = i
				doc.Keys = append(doc.Keys, v.Sealed.Key)
			}
			d.Key, d.Box = i, v.Sealed.Box
		}
		doc.Vars[name] = d
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(doc); err != nil {
		return nil, fmt.Errorf("store: encoding config: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("store: encoding config: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeConfig(appID string, it item) (platform.Config, error) {
	b, _ := it[attrDocZ].(*types.AttributeValueMemberB)
	if b == nil {
		return platform.Config{}, fmt.Errorf("store: config item %s/%s has no document", getS(it, attrPK), getS(it, attrSK))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b.Value))
	if err != nil {
		return platform.Config{}, fmt.Errorf("store: decoding config: %w", err)
	}
	var doc configDoc
	if err := json.NewDecoder(io.LimitReader(zr, 8<<20)).Decode(&doc); err != nil {
		return platform.Config{}, fmt.Errorf("store: decoding config: %w", err)
	}
	c := platform.Config{ApplicationID: appID, Version: doc.Version, Created: doc.Created, CreatedBy: doc.CreatedBy, Vars: make(map[string]platform.ConfigVar, len(doc.Vars))}
	for name, d := range doc.Vars {
		v := platform.ConfigVar{Value: d.Value, Secret: d.Secret, Scope: platform.ConfigScope(d.Scope), Size: d.Size, Fingerprint: d.Fingerprint, Updated: d.Updated, UpdatedBy: d.UpdatedBy}
		if d.Secret {
			if d.Key < 0 || d.Key >= len(doc.Keys) {
				return platform.Config{}, fmt.Errorf("store: config %s v%d: var %s names no data key", appID, doc.Version, name)
			}
			v.Sealed = &platform.SealedValue{Key: doc.Keys[d.Key], Box: d.Box}
		}
		c.Vars[name] = v
	}
	return c, nil
}

func emptyConfig(appID string) platform.Config {
	return platform.Config{ApplicationID: appID, Vars: map[string]platform.ConfigVar{}}
}

// CurrentConfig returns the application's newest config version: one
// Query, newest first, limit 1.
func (s *Store) CurrentConfig(ctx context.Context, appID string) (platform.Config, error) {
	in := s.recordQuery(appID, configPrefix)
	in.Limit = aws.Int32(1)
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return platform.Config{}, classify(err)
	}
	if len(out.Items) == 0 {
		return emptyConfig(appID), nil
	}
	return decodeConfig(appID, out.Items[0])
}

// GetConfig returns one config version: one GetItem.
func (s *Store) GetConfig(ctx context.Context, appID string, version int64) (platform.Config, error) {
	if version == 0 {
		return emptyConfig(appID), nil
	}
	it, err := s.getItem(ctx, key(getS(appKey(appID), attrPK), versionSK(configPrefix, version)))
	if err != nil {
		return platform.Config{}, err
	}
	if it == nil {
		return platform.Config{}, platform.NotFound("config version")
	}
	return decodeConfig(appID, it)
}

// CreateConfig writes a new config version in one TransactWriteItems: the
// application's config_version moves from the previous version to it (and
// its optimistic-locking version moves on, so that a concurrent write of
// the whole application cannot put back the old config_version), the slug
// guard's copy of the application moves with it, the snapshot and the
// history entry are created.
func (s *Store) CreateConfig(ctx context.Context, app platform.Application, next platform.Config) error {
	if app.ID != next.ApplicationID {
		return fmt.Errorf("store: config of application %s written for application %s", next.ApplicationID, app.ID)
	}
	if next.Version < 1 {
		return fmt.Errorf("store: config version %d", next.Version)
	}
	z, err := encodeConfig(next)
	if err != nil {
		return err
	}
	if len(z) > maxConfigItemBytes {
		return platform.Invalid("vars", fmt.Sprintf("the config takes %d bytes once encrypted and compressed; at most %d can be stored", len(z), maxConfigItemBytes))
	}
	pk := getS(appKey(next.ApplicationID), attrPK)
	snapshot := key(pk, versionSK(configPrefix, next.Version))
	snapshot[attrDocZ] = &types.AttributeValueMemberB{Value: z}
	snapshot["version"] = num(next.Version)
	log, err := docItem(key(pk, versionSK(configLogPrefix, next.Version)), configLogDoc{
		Version: next.Version, Created: next.Created, CreatedBy: next.CreatedBy,
		Added: orEmpty(next.Changes.Added), Removed: orEmpty(next.Changes.Removed), Changed: orEmpty(next.Changes.Changed),
	})
	if err != nil {
		return err
	}
	cond := "attribute_exists(PK) AND #cv = :cur"
	if next.Version == 1 {
		cond = "attribute_exists(PK) AND (attribute_not_exists(#cv) OR #cv = :cur)"
	}
	notExists := aws.String("attribute_not_exists(PK)")
	names := map[string]string{"#cv": attrConfigVersion, "#v": "version"}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: s.table, Key: appKey(next.ApplicationID),
			UpdateExpression:         aws.String("SET #cv = :next, #v = #v + :one"),
			ConditionExpression:      aws.String(cond),
			ExpressionAttributeNames: names,
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cur": num(next.Version - 1), ":next": num(next.Version), ":one": num(1),
			},
		}},
		// The guard's copy moves the same way (its version equals the
		// application item's); a guard older than the copies has no
		// version, gains one here and is still read through the id.
		{Update: &types.Update{
			TableName: s.table, Key: appGuardKey(app.OrganizationSlug, app.ProjectSlug, app.Slug),
			UpdateExpression:          aws.String("SET #cv = :next, #v = if_not_exists(#v, :zero) + :one"),
			ConditionExpression:       aws.String("app_id = :id"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: map[string]types.AttributeValue{":next": num(next.Version), ":one": num(1), ":zero": num(0), ":id": str(app.ID)},
		}},
		{Put: &types.Put{TableName: s.table, Item: snapshot, ConditionExpression: notExists}},
		{Put: &types.Put{TableName: s.table, Item: log, ConditionExpression: notExists}},
	}})
	if err == nil {
		return nil
	}
	if reasons := cancellationReasons(err); len(reasons) > 0 {
		for _, r := range reasons {
			if r == "ConditionalCheckFailed" || r == "TransactionConflict" {
				return platform.ErrConfigChanged
			}
		}
	}
	return transactFailure(err)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListConfigVersions pages through an application's config history, newest
// first: one Query of the small history entries.
func (s *Store) ListConfigVersions(ctx context.Context, appID string, page platform.PageRequest) (platform.Page[platform.ConfigVersion], error) {
	items, info, err := s.queryPage(ctx, s.recordQuery(appID, configLogPrefix), "configversions:"+appID, primaryKeyAttrs, page)
	if err != nil {
		return platform.Page[platform.ConfigVersion]{}, err
	}
	return pageOf(items, info, func(it item) (platform.ConfigVersion, error) {
		var d configLogDoc
		if err := readDoc(it, &d); err != nil {
			return platform.ConfigVersion{}, err
		}
		return platform.ConfigVersion{Version: d.Version, Created: d.Created, CreatedBy: d.CreatedBy,
			Changes: platform.ConfigChanges{Added: d.Added, Removed: d.Removed, Changed: d.Changed}}, nil
	})
}
