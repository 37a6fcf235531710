package store

import (
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// cursorSigner seals a list position (a DynamoDB start key) into an opaque
// token bound to its list (platform.CursorSigner).
type cursorSigner struct{ key []byte }

// seal returns the cursor for the position k in list.
func (c cursorSigner) seal(list string, k map[string]string) string {
	payload, _ := json.Marshal(k)
	return platform.CursorSigner{Key: c.key}.Seal(list, payload)
}

var errBadCursor = platform.Errorf(platform.CodeBadRequest, "the cursor is not valid for this list")

// open verifies a cursor for list and returns the start key it holds.
func (c cursorSigner) open(cursor, list string) (map[string]types.AttributeValue, error) {
	payload, ok := platform.CursorSigner{Key: c.key}.Open(cursor, list)
	if !ok {
		return nil, errBadCursor
	}
	var k map[string]string
	if err := json.Unmarshal(payload, &k); err != nil || len(k) == 0 {
		return nil, errBadCursor
	}
	start := make(map[string]types.AttributeValue, len(k))
	for name, v := range k {
		start[name] = str(v)
	}
	return start, nil
}
