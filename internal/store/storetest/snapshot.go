package storetest

import (
	"context"
	"encoding/json"
	"fmt"
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

// ReadBack reads every item of the table again the way the store does —
// one consistent Query per partition of the table, one Query per
// partition of each index — and describes how that differs from snapshot
// (a Snapshot taken before): "" when every read succeeds and returns
// exactly the snapshot's items. A damaged item that a Scan still returns
// but a Query chokes on shows here.
func (e *Env) ReadBack(t testing.TB, snapshot []string) string {
	t.Helper()
	type partition struct{ index, attr, value string }
	seen := map[partition]bool{}
	var parts []partition
	for _, it := range snapshot {
		var doc map[string]map[string]any
		if err := json.Unmarshal([]byte(it), &doc); err != nil {
			t.Fatalf("read back: %v", err)
		}
		for _, p := range []partition{{"", "PK", ""}, {"GSI1", "GSI1PK", ""}, {"GSI2", "GSI2PK", ""}} {
			if v, ok := doc[p.attr]["S"].(string); ok {
				p.value = v
				if !seen[p] {
					seen[p] = true
					parts = append(parts, p)
				}
			}
		}
	}
	var fromTable, problems []string
	for _, p := range parts {
		in := &dynamodb.QueryInput{
			TableName:                 aws.String(e.Table),
			KeyConditionExpression:    aws.String("#k = :v"),
			ExpressionAttributeNames:  map[string]string{"#k": p.attr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: p.value}},
		}
		if p.index != "" {
			in.IndexName = aws.String(p.index)
		} else {
			in.ConsistentRead = aws.Bool(true)
		}
		for {
			out, err := e.Client.Query(context.Background(), in)
			if err != nil {
				problems = append(problems, fmt.Sprintf("Query %s %s=%s: %v", p.index, p.attr, p.value, err))
				break
			}
			if p.index == "" {
				for _, it := range out.Items {
					fromTable = append(fromTable, canonical(t, it))
				}
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	sort.Strings(fromTable)
	if d := SnapshotDiff(snapshot, fromTable); d != "" {
		problems = append(problems, "the table's partitions read back differently:\n"+d)
	}
	return strings.Join(problems, "\n")
}
