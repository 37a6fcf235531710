package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slipway-paas/slipway/internal/apiclient"
)

// Exit codes of the slipway command (README.md, "The CLI", lists them).
const (
	// ExitOK: the command did what it was asked.
	ExitOK = 0
	// ExitFailed: the operation failed: the API refused it (conflict,
	// validation, server error) or a pipeline failed or was canceled.
	ExitFailed = 1
	// ExitUsage: the command line is wrong (unknown command or flag, a
	// malformed argument).
	ExitUsage = 2
	// ExitNotFound: not found, not visible, or not allowed (401, 403, 404):
	// log in again or check the name.
	ExitNotFound = 3
	// ExitUnreachable: the API could not be reached (network, DNS, TLS).
	ExitUnreachable = 4
	// ExitInterrupted: interrupted (Ctrl-C) while waiting.
	ExitInterrupted = 130
)

// UsageError is a command line the command cannot run.
type UsageError struct {
	Msg string
	// Printed: the command has told the user already (the flag package
	// prints its errors); Run only exits 2.
	Printed bool
}

func (e *UsageError) Error() string { return e.Msg }

// usagef returns a UsageError.
func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// APIError is a problem document (RFC 9457) the API answered.
type APIError struct {
	Status  int
	Problem apiclient.Problem
}

// Error is the problem as one line: its code, its detail and the fields at
// fault ("validation_failed: the request is invalid (slug: must match …)").
func (e *APIError) Error() string {
	code := string(e.Problem.Code)
	if code == "" {
		code = fmt.Sprintf("HTTP %d", e.Status)
	}
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(code, "_", " "))
	if e.Problem.Detail != nil && *e.Problem.Detail != "" {
		b.WriteString(": " + *e.Problem.Detail)
	} else if e.Problem.Title != "" {
		b.WriteString(": " + strings.ToLower(e.Problem.Title))
	}
	for _, k := range []string{"pipeline_id", "image_id"} {
		if v, ok := e.Problem.AdditionalProperties[k].(string); ok && v != "" {
			b.WriteString(" [" + k + " " + v + "]")
			break
		}
	}
	if e.Problem.Errors != nil && len(*e.Problem.Errors) > 0 {
		fields := make([]string, 0, len(*e.Problem.Errors))
		for _, f := range *e.Problem.Errors {
			fields = append(fields, f.Field+": "+f.Message)
		}
		b.WriteString(" (" + strings.Join(fields, "; ") + ")")
	}
	return b.String()
}

// UnreachableError is a request that got no HTTP answer.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v", e.URL, rootCause(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// rootCause is the innermost error of a chain (for "connection refused"
// instead of the whole `Get "…": dial tcp …` sentence).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// FailedError is an operation that ran and failed (a pipeline): its message
// has been shown already or is the whole story.
type FailedError struct{ Msg string }

func (e *FailedError) Error() string { return e.Msg }

// interruptedError is a wait the user interrupted.
type interruptedError struct{ msg string }

func (e *interruptedError) Error() string { return e.msg }

// ExitCode maps err to the command's exit status.
func ExitCode(err error) int {
	var (
		usage   *UsageError
		api     *APIError
		net     *UnreachableError
		intr    *interruptedError
		missing *notLoggedInError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &missing):
		return ExitNotFound
	case errors.As(err, &api):
		switch api.Status {
		case 401, 403, 404:
			return ExitNotFound
		}
		return ExitFailed
	case errors.As(err, &net):
		return ExitUnreachable
	case errors.As(err, &intr):
		return ExitInterrupted
	}
	return ExitFailed
}
