package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// countingBody counts what the server read of a request body.
type countingBody struct {
	r    io.Reader
	read int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func (c *countingBody) Close() error { return nil }

// TestRequestLimits: oversized bodies are refused without being read
// whole, long query strings and tokens are refused before any work, and
// every list caps its page size.
func TestRequestLimits(t *testing.T) {
	var handled int
	routes := []httpapi.Route{
		{Method: "POST", Pattern: "/echo", Public: true, Handle: func(w http.ResponseWriter, r *http.Request) error {
			handled++
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		{Method: "GET", Pattern: "/list", Public: true, Handle: func(w http.ResponseWriter, r *http.Request) error {
			if _, err := httpapi.PageRequest(r); err != nil {
				return err
			}
			handled++
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		{Method: "GET", Pattern: "/private", Handle: func(w http.ResponseWriter, r *http.Request) error {
			if _, err := httpapi.Caller(r); err != nil {
				return err
			}
			handled++
			return nil
		}},
	}
	h := httpapi.NewHandler(httpapi.Config{Tokens: noTokens{t: t}}, routes)
	big := strings.Repeat("x", 2*httpapi.MaxDrain)
	cases := []struct {
		name          string
		method, path  string
		body          string
		contentLength int64 // -1: chunked (length unknown)
		auth          string
		expect        string
		status        int
		code          string
		field         string
		maxRead       int // bytes the server may read of the body
	}{
		{name: "declared length over the limit is only drained", method: "POST", path: "/echo", body: big, contentLength: int64(len(big)),
			status: 413, code: "payload_too_large", maxRead: httpapi.MaxDrain},
		{name: "declared length over the limit, client waiting for 100 Continue", method: "POST", path: "/echo", body: big, contentLength: int64(len(big)),
			expect: "100-continue", status: 413, code: "payload_too_large", maxRead: 0},
		{name: "chunked body is cut at the limit, then drained", method: "POST", path: "/echo", body: big, contentLength: -1,
			status: 413, code: "payload_too_large", maxRead: httpapi.DefaultMaxBody + httpapi.MaxDrain + 64<<10},
		{name: "body at the limit is accepted", method: "POST", path: "/echo", body: `"` + strings.Repeat("x", httpapi.DefaultMaxBody-2) + `"`,
			contentLength: httpapi.DefaultMaxBody, status: 204, maxRead: httpapi.DefaultMaxBody},
		{name: "query string over the bound", method: "GET", path: "/list?cursor=" + strings.Repeat("a", httpapi.MaxQueryBytes),
			status: 400, code: "bad_request"},
		{name: "query string at the bound", method: "GET", path: "/list?cursor=" + strings.Repeat("a", httpapi.MaxQueryBytes-len("cursor=")),
			status: 204},
		{name: "page size over the maximum", method: "GET", path: "/list?limit=101", status: 422, code: "validation_failed", field: "limit"},
		{name: "page size at the maximum", method: "GET", path: "/list?limit=100", status: 204},
		{name: "page size zero", method: "GET", path: "/list?limit=0", status: 422, code: "validation_failed", field: "limit"},
		{name: "token longer than any of ours", method: "GET", path: "/private", auth: "Bearer " + strings.Repeat("t", 4096),
			status: 401, code: "unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			handled = 0
			body := &countingBody{r: strings.NewReader(tc.body)}
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.body != "" {
				req.Body, req.ContentLength = body, tc.contentLength
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.expect != "" {
				req.Header.Set("Expect", tc.expect)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.body != "" && body.read > tc.maxRead {
				t.Errorf("the server read %d bytes of the body, want at most %d", body.read, tc.maxRead)
			}
			if tc.code == "" {
				if handled != 1 {
					t.Errorf("handler ran %d times, want once", handled)
				}
				return
			}
			if handled != 0 {
				t.Errorf("a refused request reached its handler")
			}
			var problem struct {
				Code   string `json:"code"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &problem); err != nil || problem.Code != tc.code {
				t.Fatalf("problem code %q (%v), want %q: %s", problem.Code, err, tc.code, rec.Body)
			}
			if tc.field != "" && (len(problem.Errors) != 1 || problem.Errors[0].Field != tc.field) {
				t.Errorf("errors %+v, want one naming %q", problem.Errors, tc.field)
			}
		})
	}
}

// noTokens fails the test if a token is ever looked up.
type noTokens struct {
	platform.Tokens
	t *testing.T
}

func (n noTokens) TokenByHash(_ context.Context, _ string) (platform.Token, error) {
	n.t.Error("a token was looked up")
	return platform.Token{}, platform.Errorf(platform.CodeNotFound, "no token")
}
