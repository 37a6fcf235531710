package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAppDefaults(t *testing.T) {
	var app App
	if app.baseURL() != "https://api.github.com" || app.httpClient().Timeout != 30*time.Second || app.now().IsZero() {
		t.Fatalf("defaults: %s %v %v", app.baseURL(), app.httpClient(), app.now())
	}
	app.BaseURL = "https://ghe.example.com/api/v3/"
	if app.baseURL() != "https://ghe.example.com/api/v3" {
		t.Fatalf("base URL %s", app.baseURL())
	}
}

// Answers GitHub should never give still end in errors, not zero values.
func TestUnexpectedAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fail    func(string, int) (int, string, bool)
		wantErr string
	}{
		{"token missing", fails(tokenCall, 0, http.StatusCreated, `{"expires_at":"2026-11-26T17:00:00Z"}`), "no token"},
		{"token not JSON", fails(tokenCall, 0, http.StatusCreated, `<html>`), "decoding response"},
		{"deployment id missing", fails(deployCall, 0, http.StatusCreated, `{"sha":"1a2b3c"}`), "no deployment id"},
		{"error without a message", fails(deployCall, 0, http.StatusNotFound, ``), "404 Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, f, _, _ := newReporter(t)
			f.Fail(tc.fail, nil)
			_, err := f.app().CreateDeployment(context.Background(), installation, "octo/app", "1a2b3c", "", "")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// A token with no expiry is used once and never cached.
func TestTokenWithoutExpiry(t *testing.T) {
	_, f, _, _ := newReporter(t)
	f.Fail(fails(tokenCall, 0, http.StatusCreated, `{"token":"ghs_once"}`), nil)
	app := f.app()
	for range 2 {
		if tok, err := app.InstallationToken(context.Background(), installation); err != nil || tok != "ghs_once" {
			t.Fatalf("token %q, %v", tok, err)
		}
	}
	assertCalls(t, f, tokenCall, tokenCall)
}

func TestTransportFailureIsRetryable(t *testing.T) {
	_, f, _, _ := newReporter(t)
	app := f.app()
	f.srv.Close()
	_, err := app.InstallationToken(context.Background(), installation)
	if err == nil || !IsRetryable(err) {
		t.Fatalf("err = %v, retryable %v", err, IsRetryable(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := app.InstallationToken(ctx, installation); !errors.Is(err, context.Canceled) || IsRetryable(err) {
		t.Fatalf("canceled: %v", err)
	}
}

func TestPayloadErrorUnwraps(t *testing.T) {
	_, err := ParsePush([]byte(`{"ref":1}`))
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || typeErr.Field != "ref" {
		t.Fatalf("err = %v does not unwrap to the JSON error", err)
	}
}
