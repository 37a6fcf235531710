package github

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slipway-paas/slipway/internal/platform"
)

// PayloadError reports a webhook payload that is not JSON of the expected
// shape, or lacks a field the event cannot do without. The HTTP layer
// answers 400 for it.
type PayloadError struct {
	Event string // the X-GitHub-Event name
	// Field is the payload field at fault ("after"), "" when the payload
	// as a whole is (not JSON, not an object of the event's shape).
	Field string
	Err   error
}

func (e *PayloadError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("github: %s payload: %s %v", e.Event, e.Field, e.Err)
	}
	return fmt.Sprintf("github: %s payload: %v", e.Event, e.Err)
}

func (e *PayloadError) Unwrap() error { return e.Err }

// Repository is the repository an event is about.
type Repository struct {
	FullName string `json:"full_name"` // "owner/repo"
	Private  bool   `json:"private"`
}

// User is the GitHub account that triggered an event.
type User struct {
	Login string `json:"login"`
}

// InstallationRef names a GitHub App installation.
type InstallationRef struct {
	ID int64 `json:"id"`
}

// InstallationEvent is an "installation" event (created, deleted,
// suspend, unsuspend, new_permissions_accepted).
type InstallationEvent struct {
	Action       string          `json:"action"`
	Installation InstallationRef `json:"installation"`
	Sender       User            `json:"sender"`
}

// InstallationRepositoriesEvent is an "installation_repositories" event
// (added, removed).
type InstallationRepositoriesEvent struct {
	Action              string          `json:"action"`
	Installation        InstallationRef `json:"installation"`
	RepositoriesRemoved []Repository    `json:"repositories_removed"`
	Sender              User            `json:"sender"`
}

// PingEvent is the "ping" GitHub sends when a webhook is created.
type PingEvent struct {
	Zen    string `json:"zen"`
	HookID int64  `json:"hook_id"`
}

// ParsePush decodes a "push" payload; ref, after and repository.full_name
// are required, and after is a commit's object name (40 hex digits).
func ParsePush(body []byte) (*PushEvent, error) {
	return decode("push", body, func(p *PushEvent) error {
		if err := require(field{p.Ref != "", "ref"}, field{p.After != "", "after"}, field{p.Repository.FullName != "", "repository.full_name"}); err != nil {
			return err
		}
		if !platform.IsCommitSHA(p.After) {
			return &fieldError{"after", "must be a commit SHA (40 hexadecimal digits)"}
		}
		return nil
	})
}

// ParseInstallation decodes an "installation" payload; action and
// installation.id are required.
func ParseInstallation(body []byte) (*InstallationEvent, error) {
	return decode("installation", body, func(e *InstallationEvent) error {
		return requireInstallation(e.Action, e.Installation)
	})
}

// ParseInstallationRepositories decodes an "installation_repositories"
// payload; action and installation.id are required.
func ParseInstallationRepositories(body []byte) (*InstallationRepositoriesEvent, error) {
	return decode("installation_repositories", body, func(e *InstallationRepositoriesEvent) error {
		return requireInstallation(e.Action, e.Installation)
	})
}

// ParsePing decodes a "ping" payload; nothing in it is required.
func ParsePing(body []byte) (*PingEvent, error) {
	return decode("ping", body, func(*PingEvent) error { return nil })
}

// decode unmarshals body into a new T, then checks it with valid; every
// failure is a *PayloadError.
func decode[T any](event string, body []byte, valid func(*T) error) (*T, error) {
	v := new(T)
	err := json.Unmarshal(body, v)
	if err == nil {
		err = valid(v)
	}
	if err != nil {
		pe := &PayloadError{Event: event, Err: err}
		if fe, ok := err.(*fieldError); ok {
			pe.Field, pe.Err = fe.field, errors.New(fe.message)
		}
		return nil, pe
	}
	return v, nil
}

func requireInstallation(action string, in InstallationRef) error {
	return require(field{action != "", "action"}, field{in.ID > 0, "installation.id"})
}

// field pairs a required field's name with whether it is present.
type field struct {
	present bool
	name    string
}

// fieldError is a required or malformed field of a payload.
type fieldError struct{ field, message string }

func (e *fieldError) Error() string { return e.field + " " + e.message }

// require names the first field that is not present.
func require(fields ...field) error {
	for _, f := range fields {
		if !f.present {
			return &fieldError{f.name, "is missing"}
		}
	}
	return nil
}
