package github

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// FuzzVerifySignature: the verifier accepts exactly the correctly signed
// body: a header is accepted if and only if it is "sha256=" followed by the
// body's HMAC in hex (either case); the computed signature is accepted and
// refused for any other body; every refusal is one of the three sentinel
// errors (empty secret: ErrNoSecret, empty header: ErrSignatureMissing).
func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte("secret"), []byte(`{"zen":"x"}`), "sha256=00")
	f.Add([]byte("secret"), []byte(`{"zen":"x"}`), Signature([]byte("secret"), []byte(`{"zen":"x"}`)))
	f.Add([]byte("secret"), []byte(``), strings.ToUpper(Signature([]byte("secret"), nil)))
	f.Add([]byte("secret"), []byte(`x`), "SHA256="+Signature([]byte("secret"), []byte(`x`))[7:])
	f.Add([]byte("secret"), []byte(`x`), " "+Signature([]byte("secret"), []byte(`x`)))
	f.Add([]byte("secret"), []byte(`x`), "sha1=0123456789abcdef0123456789abcdef01234567")
	f.Add([]byte{}, []byte(`x`), "")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		err := VerifySignature(secret, body, header)
		if len(secret) == 0 {
			if !errors.Is(err, ErrNoSecret) {
				t.Fatalf("empty secret: %v", err)
			}
			return
		}
		want := Signature(secret, body)
		digest, prefixed := strings.CutPrefix(header, "sha256=")
		correct := prefixed && strings.EqualFold(digest, want[len("sha256="):])
		if (err == nil) != correct {
			t.Fatalf("header %q for signature %q: %v", header, want, err)
		}
		switch {
		case err == nil:
		case header == "":
			if !errors.Is(err, ErrSignatureMissing) {
				t.Fatalf("empty header: %v", err)
			}
		case !errors.Is(err, ErrSignatureInvalid):
			t.Fatalf("header %q: %v is not ErrSignatureInvalid", header, err)
		}
		if err := VerifySignature(secret, body, want); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		other := append([]byte("x"), body...)
		if err := VerifySignature(secret, other, want); !errors.Is(err, ErrSignatureInvalid) {
			t.Fatalf("signature of %q accepted for %q: %v", body, other, err)
		}
	})
}

// FuzzParsePush: no input panics; a failure is a *PayloadError for "push";
// a parsed push has its required fields, answers every helper
// consistently, and survives a JSON round trip unchanged.
func FuzzParsePush(f *testing.F) {
	f.Add([]byte(`{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"o/r"},"commits":[{"id":"a","modified":["web/x"]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePush(body)
		if err != nil {
			var perr *PayloadError
			if !errors.As(err, &perr) || perr.Event != "push" {
				t.Fatalf("error %v is not a push PayloadError", err)
			}
			return
		}
		if p.Ref == "" || !platform.IsCommitSHA(p.After) || p.Repository.FullName == "" {
			t.Fatalf("accepted without a required field: %+v", p)
		}
		branch, ok := p.Branch()
		if ok != (branch != "") || (ok && !strings.HasPrefix(p.Ref, "refs/heads/")) {
			t.Fatalf("Branch of %q = %q, %v", p.Ref, branch, ok)
		}
		if p.IsBranchDeletion() && !ok {
			t.Fatal("a deletion of something that is not a branch")
		}
		if p.FileListsMayBeIncomplete() && !p.TouchesPath("web") {
			t.Fatal("incomplete lists must touch every path")
		}
		if !p.TouchesPath("") || !p.TouchesPath(".") {
			t.Fatal("the whole repository is always touched")
		}
		for _, c := range p.Commits {
			for _, list := range [][]string{c.Added, c.Removed, c.Modified} {
				for _, file := range list {
					dir, _, _ := strings.Cut(file, "/")
					if dir != "" && (!p.TouchesPath(dir) || !p.TouchesPath(dir+"/")) {
						t.Fatalf("file %q changed, but not under %q", file, dir)
					}
				}
			}
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if p2, err := ParsePush(again); err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip of %s: %v", again, err)
		}
	})
}

// FuzzParseEvents: the other events the webhook parses (installation,
// installation_repositories, ping). A failure is a *PayloadError naming
// the event; an accepted installation event has an action and a positive
// installation id; any accepted payload is JSON and survives a round trip.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []struct {
		event uint8
		body  string
	}{
		{0, `{"action":"deleted","installation":{"id":42},"sender":{"login":"octo"}}`},
		{0, `{"action":"created","installation":{"id":0}}`},
		{0, `{"action":"","installation":{"id":1}}`},
		{0, `{"action":"deleted","installation":{"id":"42"}}`},
		{1, `{"action":"removed","installation":{"id":7},"repositories_removed":[{"full_name":"o/r","private":true}]}`},
		{1, `{"action":"added","installation":{"id":-1}}`},
		{1, `{"action":"removed","installation":{"id":7},"repositories_removed":null}`},
		{2, `{"zen":"Keep it logically awesome.","hook_id":123}`},
		{2, `null`},
		{2, `[]`},
		{2, `{"hook_id":1.5}`},
		{2, ``},
	} {
		f.Add(s.event, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, event uint8, body []byte) {
		var (
			name   string
			parsed any
			err    error
			again  func([]byte) (any, error)
		)
		switch event % 3 {
		case 0:
			name = "installation"
			var e *InstallationEvent
			if e, err = ParseInstallation(body); err == nil {
				parsed = e
				if e.Action == "" || e.Installation.ID <= 0 {
					t.Fatalf("installation accepted without action or id: %+v", e)
				}
			}
			again = func(b []byte) (any, error) { return ParseInstallation(b) }
		case 1:
			name = "installation_repositories"
			var e *InstallationRepositoriesEvent
			if e, err = ParseInstallationRepositories(body); err == nil {
				parsed = e
				if e.Action == "" || e.Installation.ID <= 0 {
					t.Fatalf("installation_repositories accepted without action or id: %+v", e)
				}
			}
			again = func(b []byte) (any, error) { return ParseInstallationRepositories(b) }
		default:
			name = "ping"
			var e *PingEvent
			if e, err = ParsePing(body); err == nil {
				parsed = e
			}
			again = func(b []byte) (any, error) { return ParsePing(b) }
		}
		if err != nil {
			var perr *PayloadError
			if !errors.As(err, &perr) || perr.Event != name {
				t.Fatalf("%s: error %v is not a PayloadError for the event", name, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("%s: accepted %q, not JSON", name, body)
		}
		b, err := json.Marshal(parsed)
		if err != nil {
			t.Fatal(err)
		}
		if p2, err := again(b); err != nil || !reflect.DeepEqual(parsed, p2) {
			t.Fatalf("%s: round trip of %s: %v", name, b, err)
		}
	})
}
