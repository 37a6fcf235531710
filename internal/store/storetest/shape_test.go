package storetest_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/store/storetest"
)

func TestEmptyCollections(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, tc := range []struct {
		name string
		item map[string]types.AttributeValue
		want string
	}{
		{"scalars only", map[string]types.AttributeValue{"PK": s("A"), "doc": s("")}, "[]"},
		{"empty map", map[string]types.AttributeValue{"outcomes": &types.AttributeValueMemberM{}}, "[outcomes (empty map)]"},
		{"empty list", map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}}, "[l (empty list)]"},
		{"empty sets", map[string]types.AttributeValue{"a": &types.AttributeValueMemberSS{}, "b": &types.AttributeValueMemberNS{}, "c": &types.AttributeValueMemberBS{}},
			"[a (empty string set) b (empty number set) c (empty binary set)]"},
		{"nested", map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"x": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("1"), &types.AttributeValueMemberM{}}}}}}, "[m.x[1] (empty map)]"},
		{"filled", map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}},
			"ss": &types.AttributeValueMemberSS{Value: []string{"a"}}}, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(storetest.EmptyCollections(tc.item)); got != tc.want {
				t.Fatalf("EmptyCollections = %s, want %s", got, tc.want)
			}
		})
	}
}
