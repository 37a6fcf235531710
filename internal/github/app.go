package github

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is the REST API of github.com; GitHub Enterprise Server
// serves it at https://HOST/api/v3.
const DefaultBaseURL = "https://api.github.com"

// JWT timing: GitHub accepts an app JWT that expires at most 10 minutes
// after it was made and recommends an issued-at 60 seconds in the past
// against clock drift.
const (
	jwtBackdate = 60 * time.Second
	jwtLifetime = 9 * time.Minute
)

// App is a GitHub App: it signs app JWTs, exchanges them for installation
// tokens (cached per installation) and calls the REST API with those. Use
// it by pointer; it is safe for concurrent use. Zero-valued optional fields
// take defaults.
type App struct {
	ID int64 // the app ID, used as the JWT issuer when ClientID is empty
	// ClientID ("Iv1.…"), when set, is the JWT issuer instead of ID: GitHub
	// accepts either and recommends the client ID; GitHub Enterprise Server
	// releases before 3.14 accept only the app ID.
	ClientID   string
	PrivateKey *rsa.PrivateKey
	BaseURL    string           // DefaultBaseURL when empty
	HTTP       *http.Client     // a client with a 30 s timeout when nil
	Now        func() time.Time // time.Now when nil

	mu     sync.Mutex
	tokens map[int64]*installationToken
}

// ParsePrivateKey reads a PEM RSA private key: PKCS#1 ("RSA PRIVATE KEY",
// the form GitHub lets you download) or PKCS#8 ("PRIVATE KEY").
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("github: private key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("github: private key: %w", err)
		}
		return key, nil
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("github: private key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("github: private key: %T is not an RSA key", key)
		}
		return rsaKey, nil
	default:
		return nil, fmt.Errorf("github: private key: unexpected PEM block %q", block.Type)
	}
}

// JWT returns a fresh app JWT (RS256) for authenticating as the app: iat
// 60 s in the past, exp 9 minutes ahead, iss the client ID or app ID.
func (a *App) JWT() (string, error) {
	if a.PrivateKey == nil {
		return "", errors.New("github: app has no private key")
	}
	iss := a.ClientID
	if iss == "" {
		if a.ID <= 0 {
			return "", errors.New("github: app has neither an ID nor a client ID")
		}
		iss = strconv.FormatInt(a.ID, 10)
	}
	now := a.now()
	claims, err := json.Marshal(struct {
		IssuedAt  int64  `json:"iat"`
		ExpiresAt int64  `json:"exp"`
		Issuer    string `json:"iss"`
	}{now.Add(-jwtBackdate).Unix(), now.Add(jwtLifetime).Unix(), iss})
	if err != nil {
		return "", err
	}
	signingInput := b64(jwtHeader) + "." + b64(claims)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.PrivateKey, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("github: signing app JWT: %w", err)
	}
	return signingInput + "." + b64(sig), nil
}

var jwtHeader = []byte(`{"alg":"RS256","typ":"JWT"}`)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *App) baseURL() string {
	if a.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(a.BaseURL, "/")
}

// defaultHTTP bounds every call, so a hung GitHub cannot hold an
// installation's token refresh (and its waiters) forever.
var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

func (a *App) httpClient() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return defaultHTTP
}
