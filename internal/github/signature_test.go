package github

import (
	"errors"
	"strings"
	"testing"
)

func TestVerifySignature(t *testing.T) {
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello, World!")
	// The example GitHub documents for validating webhook deliveries.
	const documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := Signature(secret, body); got != documented {
		t.Fatalf("Signature = %s, want GitHub's documented %s", got, documented)
	}
	altered := []byte("Hello, World?")
	for _, tc := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   error
	}{
		{"valid", secret, body, documented, nil},
		{"uppercase hex", secret, body, "sha256=" + strings.ToUpper(strings.TrimPrefix(documented, "sha256=")), nil},
		{"wrong digest", secret, body, Signature([]byte("other secret"), body), ErrSignatureInvalid},
		{"body altered by one byte", secret, altered, documented, ErrSignatureInvalid},
		{"missing", secret, body, "", ErrSignatureMissing},
		{"sha1 only", secret, body, "sha1=0123456789abcdef0123456789abcdef01234567", ErrSignatureInvalid},
		{"no prefix", secret, body, strings.TrimPrefix(documented, "sha256="), ErrSignatureInvalid},
		{"uppercase prefix", secret, body, "SHA256=" + strings.TrimPrefix(documented, "sha256="), ErrSignatureInvalid},
		{"short digest", secret, body, documented[:len(documented)-2], ErrSignatureInvalid},
		{"long digest", secret, body, documented + "00", ErrSignatureInvalid},
		{"not hex", secret, body, documented[:len(documented)-1] + "g", ErrSignatureInvalid},
		{"surrounding space", secret, body, " " + documented, ErrSignatureInvalid},
		{"empty secret", []byte{}, body, documented, ErrNoSecret},
		{"nil secret", nil, body, documented, ErrNoSecret},
		{"nil secret and no header", nil, body, "", ErrNoSecret},
		{"empty body signed", secret, nil, Signature(secret, nil), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.secret, tc.body, tc.header)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tc.want)
			}
		})
	}
}
