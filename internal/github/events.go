package github

import (
	"encoding/json"
	"fmt"
)

// PayloadError reports a webhook payload that is not JSON of the expected
// shape, or lacks a field the event cannot do without. The HTTP layer
// answers 400 for it.
type PayloadError struct {
	Event string // the X-GitHub-Event name
	Err   error
}

func (e *PayloadError) Error() string {
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
// are required.
func ParsePush(body []byte) (*PushEvent, error) {
	return decode("push", body, func(p *PushEvent) error {
		return require(field{p.Ref != "", "ref"}, field{p.After != "", "after"}, field{p.Repository.FullName != "", "repository.full_name"})
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
		return nil, &PayloadError{Event: event, Err: err}
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

// require names the first field that is not present.
func require(fields ...field) error {
	for _, f := range fields {
		if !f.present {
			return fmt.Errorf("%s is missing", f.name)
		}
	}
	return nil
}
