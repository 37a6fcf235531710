package github

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is one RSA key for the whole package's tests (generating one
// takes a while).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

// clock is a settable time source shared by an App and the fake GitHub.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 16, 17, 31, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testAppID = 4242

// fakeGitHub is a protocol-level fake of the parts of the REST API the App
// calls. It verifies app JWTs with the test key's public half against the
// shared clock, issues installation tokens that live an hour, insists on
// the current token for repository calls, and records each call as
// "METHOD path". fail, when set, may answer a call instead (status, body).
type fakeGitHub struct {
	t     *testing.T
	clock *clock
	srv   *httptest.Server

	mu       sync.Mutex
	calls    []string
	bodies   []map[string]any
	tokens   int    // tokens issued
	current  string // the newest token
	fail     func(call string, n int) (status int, body string, ok bool)
	headers  map[string]string // set on every response
	attempts map[string]int
}

func newFakeGitHub(t *testing.T, clk *clock) *fakeGitHub {
	f := &fakeGitHub{t: t, clock: clk, attempts: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// app returns an App pointed at the fake, on the fake's clock.
func (f *fakeGitHub) app() *App {
	return &App{ID: testAppID, PrivateKey: testKey(), BaseURL: f.srv.URL + "/", HTTP: f.srv.Client(), Now: f.clock.Now}
}

// Fail makes fail answer calls from now on; headers are set on every
// response.
func (f *fakeGitHub) Fail(fail func(call string, n int) (status int, body string, ok bool), headers map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.headers = fail, headers
}

func (f *fakeGitHub) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeGitHub) Bodies() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.bodies...)
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	call := r.Method + " " + r.URL.Path
	var body map[string]any
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			f.t.Errorf("%s: body %q: %v", call, data, err)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.bodies = append(f.bodies, body)
	f.attempts[call]++
	n, fail, headers := f.attempts[call], f.fail, f.headers
	f.mu.Unlock()

	if r.Header.Get("Accept") != "application/vnd.github+json" || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		f.t.Errorf("%s: headers %v", call, r.Header)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	if fail != nil {
		if status, msg, ok := fail(call, n); ok {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, msg)
			return
		}
	}
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/app/installations/") && strings.HasSuffix(r.URL.Path, "/access_tokens"):
		if err := f.verifyJWT(bearer); err != nil {
			f.t.Errorf("%s: %v", call, err)
			f.answer(w, http.StatusUnauthorized, `{"message":"A JSON web token could not be decoded"}`)
			return
		}
		f.mu.Lock()
		f.tokens++
		f.current = fmt.Sprintf("ghs_token%d", f.tokens)
		token := f.current
		f.mu.Unlock()
		expires := f.clock.Now().Add(time.Hour).Format(time.RFC3339)
		if names, ok := body["repositories"].([]any); ok {
			// Narrowed to repositories of the installation's account, acme.
			var repos []string
			for _, n := range names {
				repos = append(repos, fmt.Sprintf(`{"full_name":"acme/%s"}`, n))
			}
			f.answer(w, http.StatusCreated, fmt.Sprintf(`{"token":%q,"expires_at":%q,"permissions":{"contents":"read"},"repository_selection":"selected","repositories":[%s]}`,
				token, expires, strings.Join(repos, ",")))
			return
		}
		f.answer(w, http.StatusCreated, fmt.Sprintf(`{"token":%q,"expires_at":%q,"permissions":{"deployments":"write"},"repository_selection":"selected"}`, token, expires))
	case r.Method == http.MethodGet && r.URL.Path == "/app/installations/77":
		if err := f.verifyJWT(bearer); err != nil {
			f.t.Errorf("%s: %v", call, err)
			f.answer(w, http.StatusUnauthorized, `{"message":"A JSON web token could not be decoded"}`)
			return
		}
		f.answer(w, http.StatusOK, `{"id":77,"account":{"login":"acme","type":"Organization"},"repository_selection":"selected"}`)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/repos/"):
		f.mu.Lock()
		current := f.current
		f.mu.Unlock()
		if bearer == "" || bearer != current {
			f.answer(w, http.StatusUnauthorized, `{"message":"Bad credentials"}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/deployments") {
			f.answer(w, http.StatusCreated, `{"id":1001,"sha":"abc","environment":"production"}`)
			return
		}
		f.answer(w, http.StatusCreated, `{"id":2001,"state":"`+fmt.Sprint(body["state"])+`"}`)
	default:
		f.answer(w, http.StatusNotFound, `{"message":"Not Found"}`)
	}
}

func (f *fakeGitHub) answer(w http.ResponseWriter, status int, body string) {
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// verifyJWT checks an app JWT as GitHub does: RS256 over header.claims with
// the app's public key, iss the app, iat not in the future and at most ten
// minutes before exp, exp not past.
func (f *fakeGitHub) verifyJWT(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("jwt has %d parts", len(parts))
	}
	var header struct{ Alg, Typ string }
	var claims struct {
		Iat, Exp int64
		Iss      string
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return err
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&testKey().PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	now := f.clock.Now().Unix()
	switch {
	case header.Alg != "RS256" || header.Typ != "JWT":
		return fmt.Errorf("header %+v", header)
	case claims.Iss != strconv.Itoa(testAppID):
		return fmt.Errorf("iss %q", claims.Iss)
	case claims.Iat != now-60 || claims.Exp != now+9*60:
		return fmt.Errorf("iat %d exp %d, now %d", claims.Iat, claims.Exp, now)
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
