package platform

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"sync"
	"time"
)

// IDGenerator makes time-ordered UUIDv7 strings (RFC 9562). Ids made by one
// generator are strictly increasing, even within one millisecond.
type IDGenerator struct {
	Now    func() time.Time // defaults to time.Now
	Random io.Reader        // defaults to crypto/rand

	mu     sync.Mutex
	lastMS int64
	seq    uint16
}

// NewID returns a new UUIDv7.
func (g *IDGenerator) NewID() string {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	random := rand.Reader
	if g.Random != nil {
		random = g.Random
	}
	var b [16]byte
	if _, err := io.ReadFull(random, b[6:]); err != nil {
		panic("platform: reading random bytes: " + err.Error())
	}
	ms := now().UnixMilli()
	g.mu.Lock()
	if ms <= g.lastMS {
		ms = g.lastMS
		g.seq++
		if g.seq >= 0x0fff {
			ms++ // sequence exhausted: borrow the next millisecond
			g.seq = 0
		}
	} else {
		g.seq = binary.BigEndian.Uint16(b[6:8]) & 0x07ff // random start, room to count up
	}
	g.lastMS = ms
	seq := g.seq
	g.mu.Unlock()

	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | byte(seq>>8)&0x0f
	b[7] = byte(seq)
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// IsUUID reports whether s is a canonical lower-case UUID string.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// DerivedID returns the UUIDv7 of t whose other bits are a SHA-256 of
// parts: the same arguments always make the same id, so a retried
// operation can name what its first attempt made, and ids still sort by t.
func DerivedID(t time.Time, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var b [16]byte
	copy(b[6:], h.Sum(nil))
	ms := t.UnixMilli()
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | b[6]&0x0f
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
