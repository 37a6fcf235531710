package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// oneToken knows a single token secret.
type oneToken struct {
	platform.Tokens
	secret string
}

func (o oneToken) TokenByHash(_ context.Context, hash string) (platform.Token, error) {
	if hash == httpapi.HashToken(o.secret) {
		return platform.Token{ID: "tok", Role: platform.RolePlatform}, nil
	}
	return platform.Token{}, platform.Errorf(platform.CodeNotFound, "no token")
}

// TouchToken records nothing.
func (oneToken) TouchToken(context.Context, platform.Token, time.Time) error { return nil }

// TestAuthenticationFailsClosed: whatever a handler does before it asks
// for the caller — write a response, or return an error from a read that
// failed — a caller without a valid token is answered 401.
func TestAuthenticationFailsClosed(t *testing.T) {
	handlers := map[string]httpapi.Handler{
		"writes": func(w http.ResponseWriter, _ *http.Request) error {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"secret":"data"}`))
			return nil
		},
		"returns a not-found": func(http.ResponseWriter, *http.Request) error {
			return platform.NotFound("application")
		},
		"returns a dependency failure": func(http.ResponseWriter, *http.Request) error {
			return platform.Unavailable(errors.New("store down"))
		},
	}
	for name, handle := range handlers {
		for _, tc := range []struct {
			auth   string
			status int
		}{
			{"", 401},
			{"Bearer garbage", 401},
			{"Bearer good", 0}, // the handler's own answer
		} {
			t.Run(name+"/"+tc.auth, func(t *testing.T) {
				h := httpapi.NewHandler(httpapi.Config{Tokens: oneToken{secret: "good"}},
					[]httpapi.Route{{Method: "GET", Pattern: "/thing", Handle: handle}})
				req := httptest.NewRequest("GET", "/thing", nil)
				if tc.auth != "" {
					req.Header.Set("Authorization", tc.auth)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if tc.status != 0 && rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				if tc.status == 0 && rec.Code == 401 {
					t.Fatalf("a valid token was refused: %s", rec.Body)
				}
			})
		}
	}
}
