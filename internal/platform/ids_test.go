package platform

import (
	"testing"
	"time"
)

func TestDerivedID(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 123e6, time.UTC)
	id := DerivedID(at, "slipway-push", "guid", "app")
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"a UUID", IsUUID(id)},
		{"version 7", id[14] == '7'},
		{"RFC 9562 variant", id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'},
		{"the time in its first 48 bits", id[:13] == "01a217ba-127b"},
		{"deterministic", DerivedID(at, "slipway-push", "guid", "app") == id},
		{"another part, another id", DerivedID(at, "slipway-push", "guid", "app2") != id},
		{"parts do not run together", DerivedID(at, "slipway-push", "guida", "pp") != id},
		{"later sorts after", DerivedID(at.Add(time.Millisecond), "x") > DerivedID(at, "y")},
	} {
		if !tc.ok {
			t.Errorf("%s: %s", tc.name, id)
		}
	}
}

func TestIsCommitSHA(t *testing.T) {
	for s, want := range map[string]bool{
		"0123456789abcdef0123456789abcdef01234567":  true,
		"0123456789ABCDEF0123456789ABCDEF01234567":  true,
		"0123456789abcdef0123456789abcdef0123456":   false,
		"0123456789abcdef0123456789abcdef012345678": false,
		"0123456789abcdef0123456789abcdef0123456g":  false,
		"": false,
	} {
		if got := IsCommitSHA(s); got != want {
			t.Errorf("IsCommitSHA(%q) = %v", s, got)
		}
	}
}
