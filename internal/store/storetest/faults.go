package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/store"
)

// FaultCall is one DynamoDB request seen by a FaultDB.
type FaultCall struct {
	// Op is the operation ("GetItem", "TransactWriteItems", ...).
	Op string
	// Sig names the request by what it touches, independent of ids and of
	// the order concurrent requests start in: the operation, then the
	// index ("GSI1", "GSI2") or the kind of item from its partition key
	// ("APP", "TOKEN", "DELIVERY", ...); a transaction lists each item's
	// action and kind: "TransactWriteItems[Put:APP Put:IMAGE]".
	Sig string
	// N is how many requests with the same Sig came before, plus one.
	N int
}

// ErrFaultHang makes a FaultDB hold the request until its context ends, as a
// dependency that never answers.
var ErrFaultHang = errors.New("storetest: hold the request until its context ends")

// FaultDB wraps a store.DynamoDB and fails the requests a rule selects.
type FaultDB struct {
	store.DynamoDB

	mu    sync.Mutex
	rule  func(FaultCall) error
	calls []FaultCall
	seen  map[string]int // requests seen per Sig
}

// InstallFaultDB puts a FaultDB between env's store and its client (behind
// the request counter) and returns it. Call it before requests run.
func InstallFaultDB(env *Env) *FaultDB {
	f := &FaultDB{DynamoDB: env.Requests.DynamoDB, seen: map[string]int{}}
	env.Requests.DynamoDB = f
	return f
}

// FailWhen sets the rule (nil: fail nothing) and forgets the calls seen:
// a request fails with the rule's error when it returns one, or is held
// until its context ends for ErrFaultHang.
func (f *FaultDB) FailWhen(rule func(FaultCall) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rule, f.calls, f.seen = rule, nil, map[string]int{}
}

// FailNth fails the nth request (1-based) whose Sig is sig with err.
func (f *FaultDB) FailNth(sig string, n int, err error) {
	f.FailWhen(func(c FaultCall) error {
		if c.Sig == sig && c.N == n {
			return err
		}
		return nil
	})
}

// Calls returns the requests seen since the last FailWhen, in start order.
func (f *FaultDB) Calls() []FaultCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FaultCall(nil), f.calls...)
}

func (f *FaultDB) enter(ctx context.Context, op, sig string) error {
	f.mu.Lock()
	f.seen[sig]++
	c := FaultCall{Op: op, Sig: sig, N: f.seen[sig]}
	f.calls = append(f.calls, c)
	rule := f.rule
	f.mu.Unlock()
	if rule == nil {
		return nil
	}
	err := rule(c)
	if errors.Is(err, ErrFaultHang) {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func faultKind(v types.AttributeValue) string {
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		return "?"
	}
	kind, _, _ := strings.Cut(s.Value, "#")
	return kind
}

func faultItemKind(it map[string]types.AttributeValue) string {
	kind := faultKind(it["PK"])
	if kind == "APP" {
		if sk := faultKind(it["SK"]); sk != "APP" { // a pipeline record in its application's partition
			return sk
		}
	}
	return kind
}

// GetItem fails or forwards.
func (f *FaultDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := f.enter(ctx, "GetItem", "GetItem "+faultItemKind(in.Key)); err != nil {
		return nil, err
	}
	return f.DynamoDB.GetItem(ctx, in, o...)
}

// PutItem fails or forwards.
func (f *FaultDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := f.enter(ctx, "PutItem", "PutItem "+faultItemKind(in.Item)); err != nil {
		return nil, err
	}
	return f.DynamoDB.PutItem(ctx, in, o...)
}

// DeleteItem fails or forwards.
func (f *FaultDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := f.enter(ctx, "DeleteItem", "DeleteItem "+faultItemKind(in.Key)); err != nil {
		return nil, err
	}
	return f.DynamoDB.DeleteItem(ctx, in, o...)
}

// UpdateItem fails or forwards.
func (f *FaultDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := f.enter(ctx, "UpdateItem", "UpdateItem "+faultItemKind(in.Key)); err != nil {
		return nil, err
	}
	return f.DynamoDB.UpdateItem(ctx, in, o...)
}

// Query fails or forwards.
func (f *FaultDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	where := "table"
	if in.IndexName != nil {
		where = aws.ToString(in.IndexName)
	}
	for _, name := range []string{":pk", ":repo"} { // the partition
		if v, ok := in.ExpressionAttributeValues[name]; ok {
			where += " " + faultKind(v)
			break
		}
	}
	if err := f.enter(ctx, "Query", "Query "+where); err != nil {
		return nil, err
	}
	return f.DynamoDB.Query(ctx, in, o...)
}

// TransactWriteItems fails or forwards.
func (f *FaultDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	parts := make([]string, 0, len(in.TransactItems))
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			parts = append(parts, "Put:"+faultItemKind(ti.Put.Item))
		case ti.Delete != nil:
			parts = append(parts, "Delete:"+faultItemKind(ti.Delete.Key))
		case ti.Update != nil:
			parts = append(parts, "Update:"+faultItemKind(ti.Update.Key))
		case ti.ConditionCheck != nil:
			parts = append(parts, "Check:"+faultItemKind(ti.ConditionCheck.Key))
		}
	}
	if err := f.enter(ctx, "TransactWriteItems", "TransactWriteItems["+strings.Join(parts, " ")+"]"); err != nil {
		return nil, err
	}
	return f.DynamoDB.TransactWriteItems(ctx, in, o...)
}
