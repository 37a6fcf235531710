package storetest

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/store"
)

// ShapeCheck wraps a DynamoDB client and refuses every write that would
// store an empty map, list or set, anywhere in an item or an update's
// values: DynamoDB refuses empty sets, and the embedded server drops empty
// maps and lists from the copy of the table it restores when a transaction
// fails, which leaves items its queries can no longer read. Every Env's
// store writes through one, so any test that writes such an item fails.
type ShapeCheck struct {
	store.DynamoDB
}

// EmptyCollections returns the path of every empty map, list or set in an
// item ("outcomes", "a.b[2]"), sorted; nil when there is none.
func EmptyCollections(it map[string]types.AttributeValue) []string {
	var found []string
	for name, v := range it {
		found = appendEmpty(found, name, v)
	}
	sort.Strings(found)
	return found
}

func appendEmpty(found []string, path string, v types.AttributeValue) []string {
	switch v := v.(type) {
	case *types.AttributeValueMemberM:
		if len(v.Value) == 0 {
			return append(found, path+" (empty map)")
		}
		for k, e := range v.Value {
			found = appendEmpty(found, path+"."+k, e)
		}
	case *types.AttributeValueMemberL:
		if len(v.Value) == 0 {
			return append(found, path+" (empty list)")
		}
		for i, e := range v.Value {
			found = appendEmpty(found, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case *types.AttributeValueMemberSS:
		if len(v.Value) == 0 {
			return append(found, path+" (empty string set)")
		}
	case *types.AttributeValueMemberNS:
		if len(v.Value) == 0 {
			return append(found, path+" (empty number set)")
		}
	case *types.AttributeValueMemberBS:
		if len(v.Value) == 0 {
			return append(found, path+" (empty binary set)")
		}
	}
	return found
}

func refuseEmpty(op string, items ...map[string]types.AttributeValue) error {
	for _, it := range items {
		if found := EmptyCollections(it); len(found) > 0 {
			return fmt.Errorf("storetest: %s would store %v: leave the attribute out instead", op, found)
		}
	}
	return nil
}

// PutItem checks the item and forwards.
func (c ShapeCheck) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := refuseEmpty("PutItem", in.Item); err != nil {
		return nil, err
	}
	return c.DynamoDB.PutItem(ctx, in, o...)
}

// UpdateItem checks the update's values and forwards.
func (c ShapeCheck) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := refuseEmpty("UpdateItem", in.ExpressionAttributeValues); err != nil {
		return nil, err
	}
	return c.DynamoDB.UpdateItem(ctx, in, o...)
}

// TransactWriteItems checks every Put item and Update's values and forwards.
func (c ShapeCheck) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, ti := range in.TransactItems {
		var err error
		switch {
		case ti.Put != nil:
			err = refuseEmpty("TransactWriteItems Put", ti.Put.Item)
		case ti.Update != nil:
			err = refuseEmpty("TransactWriteItems Update", ti.Update.ExpressionAttributeValues)
		}
		if err != nil {
			return nil, err
		}
	}
	return c.DynamoDB.TransactWriteItems(ctx, in, o...)
}
