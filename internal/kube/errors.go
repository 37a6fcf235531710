package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/slipway-paas/slipway/internal/platform"
)

// APIError is an error answer of the API server, from its Status body.
type APIError struct {
	Cluster    string
	Method     string
	Path       string
	StatusCode int
	// Reason is the Status reason ("NotFound", "Conflict", "Forbidden",
	// ...); empty when the body was not a Status.
	Reason  string
	Message string
}

func (e *APIError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Unauthorized() {
		return fmt.Sprintf("kube: cluster credentials rejected by cluster %s (%s): %s", e.Cluster, status, e.Message)
	}
	return fmt.Sprintf("kube: %s %s: %s: %s", e.Method, e.Path, status, e.Message)
}

// Retryable reports whether the same request may succeed later: conflicts,
// throttling and server errors.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusConflict || e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Unauthorized reports whether the server rejected the credentials (401)
// or what they may do (403).
func (e *APIError) Unauthorized() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// IsNotFound reports whether err is the server's 404.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// status is the Kubernetes Status object of an error answer.
type status struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
}

// apiError reads an error answer's body.
func apiError(cluster, method, path string, code int, body []byte) *APIError {
	e := &APIError{Cluster: cluster, Method: method, Path: path, StatusCode: code}
	var st status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		e.Reason, e.Message = st.Reason, st.Message
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 512 {
			e.Message = e.Message[:512] + "…"
		}
	}
	if e.Message == "" {
		e.Message = "no details"
	}
	return e
}

// classify marks errors worth retrying as platform "unavailable" (the
// pipeline turns those into TransientError): retryable API errors and
// network failures, but not certificate failures or a canceled context.
func classify(err error) error {
	var api *APIError
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &api):
		if api.Retryable() {
			return platform.Unavailable(err)
		}
		return err
	case errors.Is(err, context.Canceled), errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, new(*tokenError)):
		return err
	}
	return platform.Unavailable(err)
}

// tokenError is a failure of the token source: no credentials, or none
// that can sign. Retrying does not help.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "getting a cluster token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }
