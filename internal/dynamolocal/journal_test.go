package dynamolocal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/dynamolocal"
	"github.com/slipway-paas/slipway/internal/store"
)

const table = "slipway"

func open(t testing.TB, dir string) (*dynamolocal.Server, *dynamodb.Client) {
	t.Helper()
	srv, err := dynamolocal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db := store.NewClient(awsconf.FromEnv(), srv.Endpoint, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	if err := store.CreateTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
	return srv, db
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func k(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": s(pk), "SK": s("X")}
}

func with(key map[string]types.AttributeValue, attrs ...any) map[string]types.AttributeValue {
	for i := 0; i+1 < len(attrs); i += 2 {
		key[attrs[i].(string)] = attrs[i+1].(types.AttributeValue)
	}
	return key
}

// writeEveryKind issues every write operation the store uses, including
// refused ones (a failed condition, a cancelled transaction), which must
// leave no trace.
func writeEveryKind(t testing.TB, db *dynamodb.Client) {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	refused := func(_ any, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("want a refusal")
		}
	}
	tbl := aws.String(table)
	must(db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: with(k("put"),
		"n", &types.AttributeValueMemberN{Value: "1.50"}, "b", &types.AttributeValueMemberB{Value: []byte{0, 1, 255}},
		"ss", &types.AttributeValueMemberSS{Value: []string{"a", "b"}}, "ns", &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"l", &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x"), &types.AttributeValueMemberBOOL{Value: true}, &types.AttributeValueMemberNULL{Value: true}}},
		"m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"inner": s("ünïcødé \u2028 \"quoted\"")}},
		"GSI1PK", s("G"), "GSI1SK", s("1"))}))
	must(db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: with(k("counter"), "version", &types.AttributeValueMemberN{Value: "0"})}))
	for range 3 {
		must(db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: k("counter"),
			UpdateExpression: aws.String("ADD version :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}))
	}
	refused(db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: k("counter"),
		UpdateExpression: aws.String("SET version = :v"), ConditionExpression: aws.String("version = :old"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: "100"}, ":old": &types.AttributeValueMemberN{Value: "0"}}}))
	must(db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: k("doomed")}))
	must(db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: k("doomed")}))
	must(db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
		{PutRequest: &types.PutRequest{Item: with(k("batch-1"), "GSI2PK", s("R"), "GSI2SK", s("main:1"))}},
		{PutRequest: &types.PutRequest{Item: k("batch-2")}},
		{DeleteRequest: &types.DeleteRequest{Key: k("put-missing")}},
	}}}))
	must(db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: k("tx-1"), ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Update: &types.Update{TableName: tbl, Key: k("counter"), UpdateExpression: aws.String("SET tx = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": s("yes")}}},
		{Delete: &types.Delete{TableName: tbl, Key: k("batch-2")}},
		{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: k("put"), ConditionExpression: aws.String("attribute_exists(PK)")}},
	}}))
	refused(db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: k("tx-never")}},
		{Put: &types.Put{TableName: tbl, Item: k("tx-1"), ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}}))
}

// dump reads every item back, as sorted JSON lines.
func dump(t testing.TB, db *dynamodb.Client) []string {
	t.Helper()
	var out []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			out = append(out, render(it))
		}
	}
	sort.Strings(out)
	return out
}

func render(it map[string]types.AttributeValue) string {
	plain := map[string]any{}
	for name, v := range it {
		plain[name] = value(v)
	}
	raw, _ := json.Marshal(plain)
	return string(raw)
}

func value(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			m[k] = value(e)
		}
		return map[string]any{"M": m}
	case *types.AttributeValueMemberL:
		l := []any{}
		for _, e := range v.Value {
			l = append(l, value(e))
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberSS:
		ss := append([]string(nil), v.Value...)
		sort.Strings(ss)
		return map[string]any{"SS": ss}
	case *types.AttributeValueMemberNS:
		ns := append([]string(nil), v.Value...)
		sort.Strings(ns)
		return map[string]any{"NS": ns}
	default:
		return map[string]any{fmt.Sprintf("%T", v): v}
	}
}

func equal(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("items differ after the restart\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// TestJournalRestoresAcknowledgedWrites writes with every operation, then
// restarts after a clean close and after a crash, and reads the same
// items back each time, through the index too.
func TestJournalRestoresAcknowledgedWrites(t *testing.T) {
	for _, stop := range []struct {
		name string
		stop func(*dynamolocal.Server)
	}{
		{"close", func(s *dynamolocal.Server) { _ = s.Close() }},
		{"crash", (*dynamolocal.Server).Crash},
	} {
		t.Run(stop.name, func(t *testing.T) {
			dir := t.TempDir()
			srv, db := open(t, dir)
			writeEveryKind(t, db)
			want := dump(t, db)
			if len(want) != 4 { // put, counter, batch-1, tx-1, and nothing refused
				t.Fatalf("setup wrote %d items: %v", len(want), want)
			}
			stop.stop(srv)

			srv, db = open(t, dir)
			defer srv.Close()
			equal(t, dump(t, db), want)
			if srv.Restored.Records == 0 || srv.Restored.Discarded != 0 {
				t.Fatalf("restored %+v", srv.Restored)
			}
			out, err := db.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("GSI2"),
				KeyConditionExpression: aws.String("GSI2PK = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("R")}})
			if err != nil || len(out.Items) != 1 {
				t.Fatalf("GSI2 after the restart: %v %v", out, err)
			}
		})
	}
}

// TestJournalDropsATornTail appends the start of a record that was never
// finished (a crash in the middle of a write) and a record with a bad
// checksum: both are dropped, everything before them kept, and writing
// goes on after them.
func TestJournalDropsATornTail(t *testing.T) {
	for name, tail := range map[string][]byte{
		"short":    {0, 0, 0, 40, 1, 2},
		"checksum": append([]byte{0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef}, "PutItem\n{"...),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			srv, db := open(t, dir)
			writeEveryKind(t, db)
			want := dump(t, db)
			srv.Crash()
			f, err := os.OpenFile(filepath.Join(dir, "journal"), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.Write(tail)
			_ = f.Close()

			srv, db = open(t, dir)
			if srv.Restored.Discarded != int64(len(tail)) {
				t.Fatalf("discarded %d bytes, want %d", srv.Restored.Discarded, len(tail))
			}
			equal(t, dump(t, db), want)
			if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: k("after")}); err != nil {
				t.Fatal(err)
			}
			want = dump(t, db)
			srv.Crash()
			srv, db = open(t, dir)
			defer srv.Close()
			equal(t, dump(t, db), want)
		})
	}
}

// TestJournalCompacts rewrites one item many times: the restart replays
// them, then compacts the journal to the items it holds.
func TestJournalCompacts(t *testing.T) {
	dir := t.TempDir()
	srv, db := open(t, dir)
	for i := range 300 {
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: with(k(fmt.Sprintf("item-%d", i%30)), "n", &types.AttributeValueMemberN{Value: fmt.Sprint(i)})}); err != nil {
			t.Fatal(err)
		}
	}
	want := dump(t, db)
	srv.Crash()
	srv, db = open(t, dir)
	if srv.Restored.Records != 301 { // CreateTable and every PutItem
		t.Fatalf("replayed %d records, want 301", srv.Restored.Records)
	}
	if got := srv.JournalRecords(); got != 1+2 { // CreateTable and 30 items in two batches
		t.Fatalf("compacted to %d records, want 3", got)
	}
	equal(t, dump(t, db), want)
	srv.Crash()
	srv, db = open(t, dir)
	defer srv.Close()
	equal(t, dump(t, db), want)
}

// TestJournalCompactsWhileRunning: past its growth bound the journal is
// compacted in the background, and writes after that are kept too.
func TestJournalCompactsWhileRunning(t *testing.T) {
	dynamolocal.SetCompactSlack(t, 20)
	dir := t.TempDir()
	srv, db := open(t, dir)
	put := func(i int) {
		t.Helper()
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: with(k(fmt.Sprintf("item-%d", i%5)), "n", &types.AttributeValueMemberN{Value: fmt.Sprint(i)})}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		put(i)
	}
	srv.WaitCompaction()
	if got := srv.JournalRecords(); got >= 30 {
		t.Fatalf("%d records after 31 writes: no compaction ran", got)
	}
	put(30)
	want := dump(t, db)
	srv.Crash()
	srv, db = open(t, dir)
	defer srv.Close()
	equal(t, dump(t, db), want)
}

// TestJournalFailsClosed: once a write cannot be journaled, that write
// and every later request are refused instead of acknowledged.
func TestJournalFailsClosed(t *testing.T) {
	srv, db := open(t, t.TempDir())
	defer srv.Close()
	srv.BreakJournal()
	ctx := context.Background()
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: k("lost")})
	var internal *types.InternalServerError
	if !errors.As(err, &internal) || !strings.Contains(err.Error(), "journal") {
		t.Fatalf("put: %v, want an InternalServerError about the journal", err)
	}
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: k("lost")}); !errors.As(err, &internal) {
		t.Fatalf("a read after the failure: %v, want it refused", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Run("in use", func(t *testing.T) {
		dir := t.TempDir()
		srv, _ := open(t, dir)
		defer srv.Close()
		if _, err := dynamolocal.Open(dir); err == nil || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("second open: %v", err)
		}
	})
	t.Run("foreign file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "journal"), []byte("something else\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := dynamolocal.Open(dir); err == nil || !strings.Contains(err.Error(), "not a Slipway journal") {
			t.Fatalf("open: %v", err)
		}
	})
}
