package github

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
)

func TestParsePrivateKey(t *testing.T) {
	key := testKey()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	for _, tc := range []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"PKCS#1 as GitHub downloads it", encode("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)), ""},
		{"PKCS#8", encode("PRIVATE KEY", pkcs8), ""},
		{"text around the block", append(append([]byte("key for app 4242\n"), encode("PRIVATE KEY", pkcs8)...), "\n"...), ""},
		{"not PEM", []byte("-----BEGIN nothing"), "no PEM block"},
		{"empty", nil, "no PEM block"},
		{"EC key", encode("PRIVATE KEY", ecPKCS8), "not an RSA key"},
		{"certificate", encode("CERTIFICATE", []byte{1, 2, 3}), "unexpected PEM block"},
		{"corrupt PKCS#1", encode("RSA PRIVATE KEY", []byte{1, 2, 3}), "private key"},
		{"corrupt PKCS#8", encode("PRIVATE KEY", []byte{1, 2, 3}), "private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePrivateKey(tc.pem)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(key) {
				t.Fatalf("ParsePrivateKey = %v, %v", got, err)
			}
		})
	}
}

func TestJWT(t *testing.T) {
	clk := newClock()
	f := &fakeGitHub{t: t, clock: clk}
	app := &App{ID: testAppID, PrivateKey: testKey(), Now: clk.Now}
	token, err := app.JWT()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.verifyJWT(token); err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(token, ".")
	if header != "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9" || strings.ContainsAny(token, "=+/") {
		t.Fatalf("header %s of %s: want {\"alg\":\"RS256\",\"typ\":\"JWT\"}, unpadded base64url", header, token)
	}
	// A tampered claim breaks the signature.
	parts := strings.Split(token, ".")
	forged, _ := json.Marshal(map[string]any{"iat": clk.Now().Unix() - 60, "exp": clk.Now().Unix() + 540, "iss": "1"})
	if err := f.verifyJWT(parts[0] + "." + b64(forged) + "." + parts[2]); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("forged claims verified: %v", err)
	}

	for _, tc := range []struct {
		name    string
		app     *App
		wantIss string
		wantErr string
	}{
		{"app id", &App{ID: 7, PrivateKey: testKey()}, `"iss":"7"`, ""},
		{"client id preferred", &App{ID: 7, ClientID: "Iv1.abc", PrivateKey: testKey()}, `"iss":"Iv1.abc"`, ""},
		{"no key", &App{ID: 7}, "", "no private key"},
		{"no id", &App{PrivateKey: testKey()}, "", "neither an ID nor a client ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.app.Now = clk.Now
			token, err := tc.app.JWT()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			claims, _ := decodeRaw(strings.Split(token, ".")[1])
			if err != nil || !strings.Contains(claims, tc.wantIss) {
				t.Fatalf("claims %s (%v), want %s", claims, err, tc.wantIss)
			}
		})
	}
}

func decodeRaw(seg string) (string, error) {
	var raw json.RawMessage
	err := decodeSegment(seg, &raw)
	return string(raw), err
}
