package platform

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func maskerOf(secrets map[string]string, plain map[string]string) *SecretMasker {
	fp := Fingerprinter{Key: []byte(strings.Repeat("k", MinFingerprintKey))}
	cfg := Config{ApplicationID: "app-1", Vars: map[string]ConfigVar{}}
	for name, v := range secrets {
		cfg.Vars[name] = ConfigVar{Secret: true, Size: len(v), Fingerprint: fp.Fingerprint("app-1", v)}
	}
	for name, v := range plain {
		cfg.Vars[name] = ConfigVar{Value: v, Size: len(v), Fingerprint: fp.Fingerprint("app-1", v)}
	}
	return NewSecretMasker(fp, cfg)
}

func TestSecretMasker(t *testing.T) {
	m := maskerOf(map[string]string{"A": "hunter2", "B": "s3cr3t-token", "C": "ter2s3"}, map[string]string{"P": "visible"})
	for _, tc := range []struct{ in, want string }{
		{"no secret here, visible", "no secret here, visible"},
		{"password=hunter2", "password=***"},
		{"hunter2 and s3cr3t-token and hunter2", "*** and *** and ***"},
		{"overlapping: hunter2s3cr3t-token", "overlapping: ***"}, // "ter2s3" overlaps both
		{"hunter", "hunter"},
		{"", ""},
		{"ünïcode hunter2 ✓", "ünïcode *** ✓"},
	} {
		if got := m.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Another application's fingerprints (another key) never match.
	other := NewSecretMasker(Fingerprinter{Key: []byte(strings.Repeat("k", MinFingerprintKey))}, Config{ApplicationID: "app-2",
		Vars: map[string]ConfigVar{"A": {Secret: true, Size: 7, Fingerprint: Fingerprinter{Key: []byte(strings.Repeat("k", MinFingerprintKey))}.Fingerprint("app-1", "hunter2")}}})
	if got := other.Mask("hunter2"); got != "hunter2" {
		t.Errorf("a fingerprint of another application matched: %q", got)
	}
	var none *SecretMasker
	if none.Mask("x") != "x" || maskerOf(nil, nil).Mask("hunter2") != "hunter2" {
		t.Error("a masker without secrets changed a line")
	}
}

func TestCursorSigner(t *testing.T) {
	s := CursorSigner{Key: []byte("key")}
	c := s.Seal("log-a", []byte(`{"p":1}`))
	if p, ok := s.Open(c, "log-a"); !ok || string(p) != `{"p":1}` {
		t.Fatalf("open: %q %v", p, ok)
	}
	for _, bad := range []struct{ name, cursor, list string }{
		{"another log", c, "log-b"},
		{"another key", CursorSigner{Key: []byte("other")}.Seal("log-a", []byte(`{"p":1}`)), "log-a"},
		{"tampered payload", "f" + c[1:], "log-a"},
		{"no signature", strings.Split(c, ".")[0], "log-a"},
		{"non-canonical", c + "\n", "log-a"},
		{"too long", strings.Repeat("a", MaxCursorLen+1), "log-a"},
	} {
		if _, ok := s.Open(bad.cursor, bad.list); ok {
			t.Errorf("%s: opened", bad.name)
		}
	}
}

func TestParseLogSince(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 15 * time.Minute, true}, {"1m", time.Minute, true}, {"2h", 2 * time.Hour, true}, {"7d", 7 * 24 * time.Hour, true},
		{"3d", 72 * time.Hour, true}, {"168h", 168 * time.Hour, true},
		{"30s", 0, false}, {"8d", 0, false}, {"169h", 0, false}, {"0d", 0, false}, {"15", 0, false}, {"-5m", 0, false}, {"10dd", 0, false},
	} {
		got, err := ParseLogSince(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseLogSince(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "since") {
			t.Errorf("ParseLogSince(%q): %v does not name since", tc.in, err)
		}
	}
	if _, err := ParseLogStage("test"); err == nil || !strings.Contains(err.Error(), "stage") {
		t.Errorf("stage: %v", err)
	}
}

// BenchmarkMask is the masking cost of one 120-byte log line for an
// application with n secrets of distinct lengths (docs/performance.md).
func BenchmarkMask(b *testing.B) {
	line := strings.Repeat("GET /api/items?page=2 200 12ms ua=curl/8.5 ", 3)[:120]
	for _, n := range []int{0, 1, 3, 10} {
		secrets := map[string]string{}
		for i := range n {
			secrets[fmt.Sprint("S", i)] = strings.Repeat("x", 16+4*i)
		}
		m := maskerOf(secrets, nil)
		b.Run(fmt.Sprintf("lengths=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			for range b.N {
				_ = m.Mask(line)
			}
		})
	}
}

func TestSecretMaskerOverConfigVersions(t *testing.T) {
	fp := Fingerprinter{Key: []byte(strings.Repeat("k", MinFingerprintKey))}
	v1 := Config{ApplicationID: "app-1", Version: 1, Vars: map[string]ConfigVar{"PW": {Secret: true, Size: 9, Fingerprint: fp.Fingerprint("app-1", "old-value")}}}
	v2 := Config{ApplicationID: "app-1", Version: 2, Vars: map[string]ConfigVar{"PW": {Secret: true, Size: 11, Fingerprint: fp.Fingerprint("app-1", "rotated-new")}}}
	if got := NewSecretMasker(fp, v2, v1).Mask("old-value then rotated-new"); got != "*** then ***" {
		t.Fatalf("masked %q", got)
	}
	if got := NewSecretMasker(fp, v2).Mask("old-value then rotated-new"); got != "old-value then ***" {
		t.Fatalf("the current version alone masked %q", got)
	}
	if NewSecretMasker(fp) != nil {
		t.Fatal("a masker of no config")
	}
}
