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
	// Causes are the Status's details.causes reasons ("FieldValueInvalid",
	// "NamespaceTerminating", ...) and the fields they name.
	Causes []StatusCause
}

// StatusCause is one entry of a Status's details.causes.
type StatusCause struct {
	Reason string `json:"reason"`
	Field  string `json:"field"`
}

func (e *APIError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		return fmt.Sprintf("kube: cluster credentials rejected by cluster %s (%s): %s", e.Cluster, status, e.Message)
	case e.Unauthorized():
		return fmt.Sprintf("kube: cluster %s refused Slipway's RBAC rights (%s): %s", e.Cluster, status, e.Message)
	case e.QuotaExceeded():
		return fmt.Sprintf("kube: %s %s: a resource quota of the namespace is exceeded: %s", e.Method, e.Path, e.Message)
	}
	return fmt.Sprintf("kube: %s %s: %s: %s", e.Method, e.Path, status, e.Message)
}

// Retryable reports whether the same request may succeed later: conflicts,
// throttling, a namespace still terminating, and server errors other than
// a server-side apply body that does not fit the schema (the server
// answers that with a 500, kubernetes#122480, and it never succeeds).
func (e *APIError) Retryable() bool {
	switch {
	case e.StatusCode == http.StatusConflict, e.StatusCode == http.StatusTooManyRequests, e.NamespaceTerminating():
		return true
	case e.StatusCode >= 500:
		return !e.invalidApplyBody()
	}
	return false
}

// Unauthorized reports whether the server rejected the credentials (401)
// or what they may do (403 by RBAC or another authorizer), as opposed to
// the 403s of admission: a terminating namespace or an exceeded quota.
func (e *APIError) Unauthorized() bool {
	return e.StatusCode == http.StatusUnauthorized ||
		e.StatusCode == http.StatusForbidden && !e.NamespaceTerminating() && !e.QuotaExceeded()
}

// NamespaceTerminating reports the 403 of a create in a namespace being
// deleted: the request may succeed once the namespace is gone and re-created.
func (e *APIError) NamespaceTerminating() bool {
	if e.StatusCode != http.StatusForbidden {
		return false
	}
	for _, c := range e.Causes {
		if c.Reason == "NamespaceTerminating" {
			return true
		}
	}
	return false
}

// QuotaExceeded reports the 403 of the ResourceQuota admission plugin.
func (e *APIError) QuotaExceeded() bool {
	return e.StatusCode == http.StatusForbidden && strings.Contains(e.Message, "exceeded quota")
}

// invalidApplyBody reports the 500 server-side apply answers for a body
// with a field the schema does not declare or of the wrong type.
func (e *APIError) invalidApplyBody() bool {
	return e.StatusCode == http.StatusInternalServerError && strings.Contains(e.Message, "failed to create typed patch object")
}

// immutableSelector reports the 422 of an apply that changes a
// Deployment's spec.selector.
func (e *APIError) immutableSelector() bool {
	if e.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, c := range e.Causes {
		if c.Field == "spec.selector" && c.Reason == "FieldValueInvalid" {
			return true
		}
	}
	return false
}

// alreadyExists reports the 409 of a create of an object that exists.
func (e *APIError) alreadyExists() bool {
	return e.StatusCode == http.StatusConflict && e.Reason == "AlreadyExists"
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
	Details struct {
		Causes []StatusCause `json:"causes"`
	} `json:"details"`
}

// apiError reads an error answer's body.
func apiError(cluster, method, path string, code int, body []byte) *APIError {
	e := &APIError{Cluster: cluster, Method: method, Path: path, StatusCode: code}
	var st status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		e.Reason, e.Message, e.Causes = st.Reason, st.Message, st.Details.Causes
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
