package store

import (
	"bytes"
	"maps"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// FuzzCursor: pagination cursors (cursor.go). For any key, list and start
// key:
//   - round trip: open(seal(list, k), list) gives back k (DynamoDB strings
//     are UTF-8, the only start keys the store seals; up to open's 2048
//     bytes);
//   - a cursor is bound to its list and key: opening it for another list,
//     or under another key, is refused;
//   - tampering: a cursor with any byte changed, or cut short, is refused;
//   - an arbitrary string is refused unless it was sealed for that list
//     under that key, and every refusal is the 400 bad_request (never an
//     internal error).
func FuzzCursor(f *testing.F) {
	key := []byte("test-cursor-key")
	c := cursorSigner{key: key}
	sealed := c.seal("organizations", map[string]string{"GSI1PK": "ORGS", "GSI1SK": "2026-01-01T00:00:00.000Z#01890a5d"})
	f.Add(key, "organizations", "projects#acme", "GSI1PK", "ORGS", "GSI1SK", "x", sealed, uint16(3), byte(1))
	f.Add(key, "deployments:app-1", "deployments:app-2", "PK", "APP#1", "SK", "DEP#2", "e30.AAAA", uint16(0), byte(0x80))
	f.Add([]byte{}, "records:IMG#a", "records:REL#a", "PK", "", "", "", "", uint16(0), byte(0))
	f.Add([]byte("k"), "l", "l2", "é\u2028", "\u00ff", "a", "b", "eyJQSyI6IngifQ.AAAA", uint16(40), byte(0xff))
	f.Add(key, "organizations", "organizations\x00", "PK", "a", "SK", "b", sealed+"\n", uint16(65535), byte(2))
	f.Fuzz(func(t *testing.T, key []byte, list, other, k1, v1, k2, v2, cursor string, at uint16, flip byte) {
		c := cursorSigner{key: key}
		refused := func(what, cur, l string, s cursorSigner) {
			t.Helper()
			start, err := s.open(cur, l)
			if err == nil {
				t.Fatalf("%s: cursor %q accepted for list %q: %v", what, cur, l, start)
			}
			if platform.CodeOf(err) != platform.CodeBadRequest {
				t.Fatalf("%s: refused with %v, want bad_request", what, err)
			}
		}

		// An arbitrary string.
		if start, err := c.open(cursor, list); err != nil {
			if platform.CodeOf(err) != platform.CodeBadRequest {
				t.Fatalf("cursor %q: %v, want bad_request", cursor, err)
			}
		} else if resealed := c.seal(list, startKeyStrings(t, start)); resealed != cursor {
			t.Fatalf("cursor %q accepted for %q, but the cursor for that position is %q", cursor, list, resealed)
		}

		// Round trip.
		k := map[string]string{k1: v1, k2: v2}
		for name, v := range k {
			if !utf8.ValidString(name) || !utf8.ValidString(v) {
				return
			}
		}
		sealedCur := c.seal(list, k)
		if len(sealedCur) > 2048 {
			return // longer than open allows; the store's keys are far shorter
		}
		start, err := c.open(sealedCur, list)
		if err != nil {
			t.Fatalf("own cursor %q refused: %v", sealedCur, err)
		}
		if got := startKeyStrings(t, start); !maps.Equal(got, k) {
			t.Fatalf("round trip of %v gave %v", k, got)
		}

		// Bound to its list and key.
		if other != list {
			refused("another list", sealedCur, other, c)
		}
		if !bytes.Equal(key, []byte("test-cursor-key")) {
			refused("another key", sealedCur, list, cursorSigner{key: []byte("test-cursor-key")})
		}

		// Tampered.
		i := int(at) % len(sealedCur)
		tampered := []byte(sealedCur)
		if flip == 0 {
			flip = 1
		}
		tampered[i] ^= flip
		refused("tampered", string(tampered), list, c)
		refused("cut short", sealedCur[:i], list, c)
	})
}

// startKeyStrings turns a start key back into strings, failing on any
// attribute that is not a string (a cursor only ever holds strings).
func startKeyStrings(t *testing.T, start map[string]types.AttributeValue) map[string]string {
	t.Helper()
	out := make(map[string]string, len(start))
	for name, v := range start {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			t.Fatalf("attribute %q of the start key is %T", name, v)
		}
		out[name] = s.Value
	}
	return out
}

// TestCursorCanonical: only the canonical spelling of a signed cursor is
// accepted (found by FuzzCursor: a newline anywhere in it, or other
// trailing bits in its last character, passed the signature check).
func TestCursorCanonical(t *testing.T) {
	c := cursorSigner{key: []byte("test-cursor-key")}
	good := c.seal("organizations", map[string]string{"GSI1PK": "ORGS", "GSI1SK": "2026-01-01T00:00:00.000Z#01890a5d"})
	if _, err := c.open(good, "organizations"); err != nil {
		t.Fatalf("canonical cursor refused: %v", err)
	}
	last := good[len(good)-1]
	for _, bad := range []string{good + "\n", "\r" + good, good[:10] + "\n" + good[10:], good[:len(good)-1] + string(last+1), good + "=", good + "."} {
		if _, err := c.open(bad, "organizations"); platform.CodeOf(err) != platform.CodeBadRequest {
			t.Errorf("cursor %q: %v, want bad_request", bad, err)
		}
	}
}
