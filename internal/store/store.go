package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/slipway-paas/slipway/internal/platform"
)

// DynamoDB is the subset of the DynamoDB client the store uses.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store implements platform's repository interfaces on one DynamoDB table.
type Store struct {
	db      DynamoDB
	table   *string
	cursors cursorSigner
	now     func() time.Time
	// tokens caches TokenByHash (nil: off; see WithTokenCache).
	tokens *tokenCache
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for expiry decisions.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a store on the named table. cursorKey signs pagination
// cursors; every instance serving the same API must use the same key.
func New(db DynamoDB, table string, cursorKey []byte, opts ...Option) *Store {
	s := &Store{db: db, table: aws.String(table), cursors: cursorSigner{key: cursorKey}, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(pk, sk string) item { return item{"PK": str(pk), "SK": str(sk)} }

func getS(it item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(it item, name string) int64 {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// docItem builds an item holding doc as JSON under the given keys.
func docItem(keys item, doc any) (item, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("store: encoding item: %w", err)
	}
	it := make(item, len(keys)+1)
	for k, v := range keys {
		it[k] = v
	}
	it["doc"] = str(string(b))
	return it, nil
}

// readDoc decodes the JSON document of an item into doc.
func readDoc(it item, doc any) error {
	if err := json.Unmarshal([]byte(getS(it, "doc")), doc); err != nil {
		return fmt.Errorf("store: decoding item %s/%s: %w", getS(it, "PK"), getS(it, "SK"), err)
	}
	return nil
}

func (s *Store) getItem(ctx context.Context, k item) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, classify(err)
	}
	return out.Item, nil
}

// classify turns an SDK error into a platform error: throttling, server
// errors and network failures are retryable (unavailable); anything else is
// internal.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var pe *platform.Error
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return platform.Unavailable(err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ValidationException", "ResourceNotFoundException", "SerializationException":
			return &platform.Error{Code: platform.CodeInternal, Message: "storage request rejected", Err: err}
		}
		return platform.Unavailable(err)
	}
	// Transport errors (connection refused, reset, timeouts).
	return platform.Unavailable(err)
}

// isConditionFailed reports whether err is a failed condition of a
// single-item write.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancellationReasons returns the per-item reason codes of a canceled
// transaction, or nil when err is not one.
func cancellationReasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

// transactFailure maps a failed transaction to the error of the first item
// whose condition failed (failures[i] for item i), or classifies it.
func transactFailure(err error, failures ...error) error {
	reasons := cancellationReasons(err)
	for i, code := range reasons {
		if code == "ConditionalCheckFailed" && i < len(failures) && failures[i] != nil {
			return failures[i]
		}
	}
	if reasons != nil {
		// TransactionConflict and friends: another write raced us.
		return platform.Unavailable(err)
	}
	return classify(err)
}

// queryPage reads one page of a list: limit+1 items so has_more is exact,
// continuing past DynamoDB's 1 MB pages. list names the list the cursor is
// bound to; keyAttrs are the attributes of an item's key in this query.
func (s *Store) queryPage(ctx context.Context, in *dynamodb.QueryInput, list string, keyAttrs []string, page platform.PageRequest) ([]item, platform.Page[struct{}], error) {
	var info platform.Page[struct{}]
	limit := page.Limit
	if limit <= 0 {
		limit = platform.DefaultPageLimit
	}
	if page.Cursor != "" {
		start, err := s.cursors.open(page.Cursor, list)
		if err != nil {
			return nil, info, err
		}
		in.ExclusiveStartKey = start
	}
	in.TableName = s.table
	var items []item
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(items)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, info, classify(err)
		}
		items = append(items, out.Items...)
		if len(items) > limit || len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		k := make(map[string]string, len(keyAttrs))
		for _, a := range keyAttrs {
			k[a] = getS(last, a)
		}
		info.HasMore = true
		info.NextCursor = s.cursors.seal(list, k)
	}
	return items, info, nil
}

// pageOf converts a page of items with decode.
func pageOf[T any](items []item, info platform.Page[struct{}], decode func(item) (T, error)) (platform.Page[T], error) {
	out := platform.Page[T]{Items: make([]T, 0, len(items)), NextCursor: info.NextCursor, HasMore: info.HasMore}
	for _, it := range items {
		v, err := decode(it)
		if err != nil {
			return platform.Page[T]{}, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}
