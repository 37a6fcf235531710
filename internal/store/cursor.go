package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// cursorSigner seals a list position into an opaque token bound to its list.
type cursorSigner struct{ key []byte }

func (c cursorSigner) mac(list string, payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(list))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

// seal returns the cursor for the position k in list.
func (c cursorSigner) seal(list string, k map[string]string) string {
	payload, _ := json.Marshal(k)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(c.mac(list, payload))
}

var errBadCursor = platform.Errorf(platform.CodeBadRequest, "the cursor is not valid for this list")

// open verifies a cursor for list and returns the start key it holds.
func (c cursorSigner) open(cursor, list string) (map[string]types.AttributeValue, error) {
	if len(cursor) > 2048 {
		return nil, errBadCursor
	}
	enc := base64.RawURLEncoding
	p, s, ok := strings.Cut(cursor, ".")
	if !ok {
		return nil, errBadCursor
	}
	payload, err1 := enc.DecodeString(p)
	sig, err2 := enc.DecodeString(s)
	// Only the canonical encoding is a cursor: the decoder skips newlines
	// and ignores stray trailing bits, so other spellings of a signed
	// cursor would pass the signature check.
	canonical := err1 == nil && err2 == nil && enc.EncodeToString(payload) == p && enc.EncodeToString(sig) == s
	if !canonical || !hmac.Equal(sig, c.mac(list, payload)) {
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
