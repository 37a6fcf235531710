package github

import (
	"errors"
	"strings"
	"testing"
)

// FuzzVerifySignature: no input panics; an accepted header is exactly the
// body's signature (up to hex case); a computed signature is accepted.
func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte("secret"), []byte(`{"zen":"x"}`), "sha256=00")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		err := VerifySignature(secret, body, header)
		if len(secret) == 0 {
			if !errors.Is(err, ErrNoSecret) {
				t.Fatalf("empty secret: %v", err)
			}
			return
		}
		want := Signature(secret, body)
		if err == nil && !strings.EqualFold(header, want) {
			t.Fatalf("accepted %q, signature is %q", header, want)
		}
		if err := VerifySignature(secret, body, want); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}

// FuzzParsePush: no input panics; a parsed push answers every helper, and a
// failure is a *PayloadError.
func FuzzParsePush(f *testing.F) {
	f.Add([]byte(`{"ref":"refs/heads/main","after":"a","repository":{"full_name":"o/r"},"commits":[{"id":"a","modified":["web/x"]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePush(body)
		if err != nil {
			var perr *PayloadError
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is not a PayloadError", err)
			}
			return
		}
		branch, ok := p.Branch()
		if ok != (branch != "") || (ok && !strings.HasPrefix(p.Ref, "refs/heads/")) {
			t.Fatalf("Branch of %q = %q, %v", p.Ref, branch, ok)
		}
		_ = p.IsBranchDeletion()
		if p.FileListsMayBeIncomplete() && !p.TouchesPath("web") {
			t.Fatal("incomplete lists must touch every path")
		}
		if !p.TouchesPath("") {
			t.Fatal("the whole repository is always touched")
		}
	})
}
