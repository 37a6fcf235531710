package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// DefaultMaxBody is the request body limit of every route that does not
// set its own.
const DefaultMaxBody = 1 << 20

// MaxDrain bounds how much of a refused body (413) is read and discarded
// before the response, and DrainTimeout how long that may take: a client
// that sends its whole body before reading the answer (most do) then reads
// the 413 instead of a connection reset. The client of a body larger than
// that (beyond what the limit let through) may still see the reset.
const (
	MaxDrain     = 8 << 20
	DrainTimeout = 2 * time.Second
)

// MaxQueryBytes bounds the raw query string (a cursor is ~200 bytes). API
// Gateway caps the request line and headers at 10 KB in all and the local
// server's MaxHeaderBytes is the outer fence; this is the API's own rule.
// (The bearer token is bounded in authenticate, the Idempotency-Key in
// idempotent.)
const MaxQueryBytes = 2048

// Config is what the shared middleware needs.
type Config struct {
	Tokens      platform.Tokens
	Idempotency platform.Idempotency
	// Now is the clock (idempotency expiry); defaults to time.Now.
	Now func() time.Time
}

// Handler serves one route. A returned error becomes a problem document.
type Handler func(w http.ResponseWriter, r *http.Request) error

// Route is one method and path of the API.
type Route struct {
	Method string
	// Pattern is a net/http ServeMux path pattern, e.g.
	// "/applications/{application_id}/scale".
	Pattern string
	// Public routes take no bearer token.
	Public bool
	// MaxBody overrides DefaultMaxBody.
	MaxBody int64
	// SecretResponse marks a POST whose response holds a secret: it is
	// never stored for replay, and a repeated Idempotency-Key is a 409.
	SecretResponse bool
	Handle         Handler
}

// NewHandler serves the routes of one or more groups behind the shared
// middleware. Unknown paths answer a problem+json 404, known paths with
// another method a 405 with Allow.
func NewHandler(cfg Config, groups ...[]Route) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	mux := http.NewServeMux()
	for _, group := range groups {
		for _, rt := range group {
			mux.Handle(rt.Method+" "+rt.Pattern, cfg.wrap(rt))
		}
	}
	return withRequestID(withRequestLog(withRecover(fallback{mux})))
}

// fallback turns ServeMux's plain-text 404/405 into problem documents.
type fallback struct{ mux *http.ServeMux }

var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (f fallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := f.mux.Handler(r); pattern != "" {
		f.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := f.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		WriteError(w, r, platform.Errorf(platform.CodeNotFound, "no route for %s", r.URL.Path))
		return
	}
	w.Header().Set("Allow", joinComma(allow))
	WriteError(w, r, platform.Errorf(codeMethodNotAllowed, "%s is not allowed here; allowed: %s", r.Method, joinComma(allow)))
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	bodyKey
	callerKey
)

// RequestID returns the request's id.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// withRequestLog writes one Info line per request: method, path (never the
// query), status, duration and request id. No header or body is logged.
func withRequestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger := slog.Default()
		if !logger.Enabled(ctx, slog.LevelInfo) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK // net/http's answer to a handler that wrote nothing
		}
		logger.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.String("request_id", RequestID(r)))
	})
}

func withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				WriteError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// wrap applies a route's body limit, media-type rule, authentication and
// idempotency around its handler.
func (cfg Config) wrap(rt Route) http.Handler {
	limit := rt.MaxBody
	if limit == 0 {
		limit = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		err := cfg.serve(rec, r, rt, limit)
		if err != nil {
			if rec.status != 0 {
				slog.ErrorContext(r.Context(), "handler failed after writing", "request_id", RequestID(r), "error", err.Error())
			} else {
				WriteError(rec, r, err)
			}
		}
	})
}

func (cfg Config) serve(w http.ResponseWriter, r *http.Request, rt Route, limit int64) error {
	if len(r.URL.RawQuery) > MaxQueryBytes {
		return platform.Errorf(platform.CodeBadRequest, "the query string is longer than %d bytes", MaxQueryBytes)
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	ctx := context.WithValue(r.Context(), bodyKey, body)
	if rt.Public {
		return rt.Handle(w, r.WithContext(ctx))
	}
	pending := cfg.authenticate(ctx, r.Header.Get("Authorization"))
	defer pending.settleUse()
	r = r.WithContext(context.WithValue(ctx, callerKey, pending))
	guard := &authGuard{ResponseWriter: w, r: r, pending: pending}
	if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
		return guard.settle(cfg.idempotent(guard, r, rt))
	}
	return guard.settle(rt.Handle(guard, r))
}

// Body returns the request body, already read within the route's limit.
func Body(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey).([]byte)
	return b
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, refuseBody(w, r, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, refuseBody(w, r, limit)
	}
	if err != nil {
		return nil, platform.Errorf(platform.CodeBadRequest, "reading the request body: %v", err)
	}
	if len(body) > 0 && !isJSONMediaType(r.Header.Get("Content-Type")) {
		return nil, platform.Errorf(codeUnsupportedMediaType, "the request body must be application/json (charset utf-8, if any)")
	}
	return body, nil
}

// isJSONMediaType accepts application/json with no parameter but a UTF-8
// charset.
func isJSONMediaType(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	for name, value := range params {
		if name != "charset" || !strings.EqualFold(value, "utf-8") {
			return false
		}
	}
	return true
}

// refuseBody discards up to MaxDrain bytes of a body over limit, within
// DrainTimeout, so that the client can read the 413 (see MaxDrain). A
// client that waits for "100 Continue" has sent nothing: it is answered at
// once.
func refuseBody(w http.ResponseWriter, r *http.Request, limit int64) error {
	if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") || r.ContentLength <= limit {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(DrainTimeout)) // unsupported under Lambda: the body is in memory
		_, _ = io.CopyN(io.Discard, r.Body, MaxDrain)
	}
	return platform.Errorf(codePayloadTooLarge, "the request body is larger than %d bytes", limit)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Location sets the Location header.
func Location(w http.ResponseWriter, path string) { w.Header().Set("Location", path) }

// QueryInt parses an optional integer query parameter within [lo, hi].
func QueryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, platform.Invalid(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
	}
	return n, nil
}

// PageRequest reads ?limit= and ?cursor=.
func PageRequest(r *http.Request) (platform.PageRequest, error) {
	limit, err := QueryInt(r, "limit", platform.DefaultPageLimit, 1, platform.MaxPageLimit)
	if err != nil {
		return platform.PageRequest{}, err
	}
	return platform.PageRequest{Limit: limit, Cursor: r.URL.Query().Get("cursor")}, nil
}
