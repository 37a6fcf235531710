package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/slipway-paas/slipway/internal/platform"
)

// statusOf is the one place an error code becomes an HTTP status.
var statusOf = map[platform.ErrorCode]int{
	platform.CodeBadRequest:         http.StatusBadRequest,
	platform.CodeUnauthorized:       http.StatusUnauthorized,
	platform.CodeForbidden:          http.StatusForbidden,
	platform.CodeNotFound:           http.StatusNotFound,
	platform.CodeConflict:           http.StatusConflict,
	platform.CodePreconditionFailed: http.StatusPreconditionFailed,
	platform.CodeInvalid:            http.StatusUnprocessableEntity,
	platform.CodeUnavailable:        http.StatusServiceUnavailable,
	platform.CodeInternal:           http.StatusInternalServerError,
	codeMethodNotAllowed:            http.StatusMethodNotAllowed,
	codePayloadTooLarge:             http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType:        http.StatusUnsupportedMediaType,
	codeRateLimited:                 http.StatusTooManyRequests,
}

// HTTP-only error codes.
const (
	codeMethodNotAllowed     platform.ErrorCode = "method_not_allowed"
	codePayloadTooLarge      platform.ErrorCode = "payload_too_large"
	codeUnsupportedMediaType platform.ErrorCode = "unsupported_media_type"
	codeRateLimited          platform.ErrorCode = "rate_limited"
)

// RetryAfterSeconds is what a 503 tells clients to wait.
const RetryAfterSeconds = "1"

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// WriteError writes err as an RFC 9457 problem document. Errors that are
// not *platform.Error are internal: logged, never shown.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *platform.Error
	if !errors.As(err, &pe) {
		pe = &platform.Error{Code: platform.CodeInternal, Err: err}
	}
	status, ok := statusOf[pe.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	title := http.StatusText(status)
	detail := pe.Message
	if status == http.StatusInternalServerError {
		detail = "an unexpected error occurred; it has been logged"
	}
	if status >= 500 {
		if clientGone(r, err) {
			slog.InfoContext(r.Context(), "request canceled by the client", "request_id", RequestID(r), "method", r.Method, "path", r.URL.Path)
		} else {
			slog.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r), "method", r.Method, "path", r.URL.Path, "error", err.Error())
		}
	}
	body := map[string]any{
		"type":       "https://slipway.dev/problems/" + strings.ReplaceAll(string(pe.Code), "_", "-"),
		"title":      title,
		"status":     status,
		"detail":     detail,
		"code":       string(pe.Code),
		"request_id": RequestID(r),
	}
	if len(pe.Fields) > 0 {
		fields := make([]problemField, len(pe.Fields))
		for i, f := range pe.Fields {
			fields[i] = problemField(f)
		}
		body["errors"] = fields
	}
	for k, v := range pe.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	h := w.Header()
	for k := range h {
		if k != "X-Request-Id" && k != "Allow" {
			h.Del(k)
		}
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		h.Set("Retry-After", RetryAfterSeconds)
	}
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", "Bearer") // RFC 9110 §15.5.2: every 401 names its scheme
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// clientGone reports whether err is only the cancellation of the
// request's own context: the client went away (a long poll it stopped
// following, Ctrl-C), which is no failure of the server.
func clientGone(r *http.Request, err error) bool {
	return r.Context().Err() != nil && errors.Is(err, context.Canceled)
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("httpapi: encoding response: " + err.Error()) // a bug: views always encode
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
