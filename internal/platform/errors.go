package platform

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode is a stable, machine-readable error class. The HTTP layer maps
// each code to one status; nothing else should.
type ErrorCode string

// The error codes of the domain.
const (
	CodeBadRequest         ErrorCode = "bad_request"
	CodeUnauthorized       ErrorCode = "unauthorized"
	CodeForbidden          ErrorCode = "forbidden"
	CodeNotFound           ErrorCode = "not_found"
	CodeConflict           ErrorCode = "conflict"
	CodePreconditionFailed ErrorCode = "precondition_failed"
	CodeInvalid            ErrorCode = "validation_failed"
	CodeUnavailable        ErrorCode = "unavailable"
	CodeInternal           ErrorCode = "internal"
)

// FieldError names one invalid field of a request and why it is invalid.
// Field is a dotted path into the request body ("process_counts.web").
type FieldError struct {
	Field   string
	Message string
}

// Error is the domain's error: a code, a human message, optional field
// errors and optional extra members for the problem document.
type Error struct {
	Code    ErrorCode
	Message string
	Fields  []FieldError
	// Extra holds additional problem members, e.g. "image_id" for the
	// running pipeline of a 409.
	Extra map[string]any
	// Err is the underlying cause, for logs only; never shown to callers.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the error for anything missing or not visible to the caller.
func NotFound(what string) *Error { return Errorf(CodeNotFound, "%s not found", what) }

// Invalid returns a validation error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Code: CodeInvalid, Message: "the request is invalid", Fields: []FieldError{{Field: field, Message: message}}}
}

// Unavailable wraps a dependency failure the caller may retry.
func Unavailable(err error) *Error {
	return &Error{Code: CodeUnavailable, Message: "a dependency is temporarily unavailable; retry shortly", Err: err}
}

// CodeOf returns the code of err: its *Error's code, or CodeInternal.
func CodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code ErrorCode) bool { return CodeOf(err) == code }

// Violations collects field errors; its Err is nil when none were added.
type Violations []FieldError

// Add records a field error.
func (v *Violations) Add(field, message string) {
	*v = append(*v, FieldError{Field: field, Message: message})
}

// Err returns a validation *Error holding every violation, or nil.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: "the request is invalid", Fields: v}
}
