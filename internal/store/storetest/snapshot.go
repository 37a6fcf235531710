package storetest

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Snapshot returns every item of the test's table, each rendered as
// canonical JSON and the list sorted, so that two snapshots are equal
// exactly when the table's contents are. It reads with a consistent scan
// through the raw client (not counted in Requests).
func (e *Env) Snapshot(t testing.TB) []string {
	t.Helper()
	var items []string
	var start map[string]types.AttributeValue
	for {
		out, err := e.Client.Scan(context.Background(), &dynamodb.ScanInput{
			TableName: aws.String(e.Table), ConsistentRead: aws.Bool(true), ExclusiveStartKey: start,
		})
		if err != nil {
			t.Fatalf("snapshot: scanning %s: %v", e.Table, err)
		}
		for _, it := range out.Items {
			items = append(items, canonical(t, it))
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	sort.Strings(items)
	return items
}

// SnapshotDiff describes how two snapshots differ ("" when they are equal):
// the items only in before, then the items only in after.
func SnapshotDiff(before, after []string) string {
	inBefore := make(map[string]int, len(before))
	for _, it := range before {
		inBefore[it]++
	}
	var added []string
	for _, it := range after {
		if inBefore[it] > 0 {
			inBefore[it]--
			continue
		}
		added = append(added, it)
	}
	var removed []string
	for _, it := range before {
		if inBefore[it] > 0 {
			inBefore[it]--
			removed = append(removed, it)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return ""
	}
	var b strings.Builder
	for _, it := range removed {
		b.WriteString("- " + it + "\n")
	}
	for _, it := range added {
		b.WriteString("+ " + it + "\n")
	}
	return b.String()
}

// canonical renders an item as JSON with sorted keys (encoding/json sorts
// map keys), attribute types kept so that "1" and 1 differ.
func canonical(t testing.TB, it map[string]types.AttributeValue) string {
	t.Helper()
	b, err := json.Marshal(plain(it))
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return string(b)
}

func plain(it map[string]types.AttributeValue) map[string]any {
	m := make(map[string]any, len(it))
	for k, v := range it {
		m[k] = plainValue(v)
	}
	return m
}

func plainValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": v.Value}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), v.Value...)
		sort.Strings(s)
		return map[string]any{"SS": s}
	case *types.AttributeValueMemberNS:
		s := append([]string(nil), v.Value...)
		sort.Strings(s)
		return map[string]any{"NS": s}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plainValue(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": plain(v.Value)}
	}
	return map[string]any{"?": "unknown attribute type"}
}
