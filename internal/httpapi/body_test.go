package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
)

func echoHandler(t *testing.T) http.Handler {
	t.Helper()
	return httpapi.NewHandler(httpapi.Config{Tokens: noTokens{t: t}}, []httpapi.Route{
		{Method: "POST", Pattern: "/echo", Public: true, Handle: func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		{Method: "GET", Pattern: "/private", Handle: func(w http.ResponseWriter, r *http.Request) error {
			_, err := httpapi.Caller(r)
			return err
		}},
	})
}

// TestOversizedBodyAnswerIsRead sends oversized bodies the way most
// clients do — the whole body, then read the answer — over a raw
// connection, and reads a 413 every time instead of a connection reset.
func TestOversizedBodyAnswerIsRead(t *testing.T) {
	srv := httptest.NewServer(echoHandler(t))
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), httpapi.DefaultMaxBody+httpapi.MaxDrain/2)
	for _, tc := range []struct {
		name    string
		chunked bool
	}{
		{"declared length", false},
		{"chunked", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 3 {
				conn, err := net.Dial("tcp", srv.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				var req bytes.Buffer
				fmt.Fprintf(&req, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
				if tc.chunked {
					fmt.Fprintf(&req, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
				} else {
					fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
				}
				if _, err := conn.Write(req.Bytes()); err != nil {
					t.Fatalf("attempt %d: sending the body: %v", i, err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatalf("attempt %d: reading the answer: %v", i, err)
				}
				problem, _ := io.ReadAll(resp.Body)
				_ = conn.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(problem), "payload_too_large") {
					t.Fatalf("attempt %d: %d %s", i, resp.StatusCode, problem)
				}
			}
		})
	}
	// A client that waits for 100 Continue is answered without sending.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(body))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("Expect: 100-continue: %v %v", resp, err)
	}
}

func TestMediaTypes(t *testing.T) {
	h := echoHandler(t)
	for _, tc := range []struct {
		contentType string
		status      int
	}{
		{"application/json", 204},
		{"application/json; charset=utf-8", 204},
		{"Application/JSON; charset=UTF-8", 204},
		{"application/json;charset=latin1", 415},
		{"application/json; charset=utf-8; boundary=x", 415},
		{"application/merge-patch+json", 415},
		{"text/plain", 415},
		{"", 415},
		{"application/json; charset", 415},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/echo", strings.NewReader(`{}`))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}
}

func TestUnauthorizedNamesTheScheme(t *testing.T) {
	h := echoHandler(t)
	for _, auth := range []string{"", "Basic eDp5", "Bearer " + strings.Repeat("t", 4096)} {
		req := httptest.NewRequest("GET", "/private", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != "Bearer" {
			t.Fatalf("Authorization %.20q: %d, WWW-Authenticate %q", auth, rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}
}

// captureLog collects the records slog's default logger handles.
type captureLog struct {
	level   slog.Level
	records *[]slog.Record
}

func (c captureLog) Enabled(_ context.Context, l slog.Level) bool { return l >= c.level }
func (c captureLog) Handle(_ context.Context, r slog.Record) error {
	*c.records = append(*c.records, r.Clone())
	return nil
}
func (c captureLog) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c captureLog) WithGroup(string) slog.Handler      { return c }

func TestRequestLog(t *testing.T) {
	var records []slog.Record
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	h := echoHandler(t)
	for _, tc := range []struct {
		name, method, target, token string
		status                      int
	}{
		{"a handled request", "POST", "/echo?secret=hunter2", "", 204},
		{"an unknown path", "GET", "/nowhere", "", 404},
		{"a method not allowed", "DELETE", "/echo", "", 405},
		{"a refused token", "GET", "/private", "slw_never-logged" + strings.Repeat("x", 300), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			records = nil
			slog.SetDefault(slog.New(captureLog{level: slog.LevelInfo, records: &records}))
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(`{"password":"never-logged"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Request-Id", "req-1")
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			var lines []string
			for _, r := range records {
				if r.Message != "request" {
					continue
				}
				attrs := map[string]string{}
				r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
				if r.Level != slog.LevelInfo || attrs["method"] != tc.method || attrs["path"] != strings.Split(tc.target, "?")[0] ||
					attrs["status"] != fmt.Sprint(tc.status) || attrs["request_id"] != "req-1" || attrs["duration_ms"] == "" || len(attrs) != 5 {
					t.Errorf("request line %v %v", r.Level, attrs)
				}
				lines = append(lines, fmt.Sprint(attrs))
			}
			if len(lines) != 1 {
				t.Fatalf("%d request lines, want 1: %v", len(lines), lines)
			}
			for _, secret := range []string{"hunter2", "never-logged"} {
				if strings.Contains(lines[0], secret) {
					t.Fatalf("the request line holds %q: %s", secret, lines[0])
				}
			}
		})
	}
	// Above Info, nothing is recorded.
	records = nil
	slog.SetDefault(slog.New(captureLog{level: slog.LevelWarn, records: &records}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/nowhere", nil))
	if len(records) != 0 {
		t.Fatalf("at level warn: %d records", len(records))
	}
}
