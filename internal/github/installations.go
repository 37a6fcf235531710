package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// InstallationAccount returns the login of the account the App is
// installed on (GET /app/installations/{id}, authenticated by the App
// JWT): a platform not_found error when the App has no such installation,
// unavailable when another attempt may succeed.
func (a *App) InstallationAccount(ctx context.Context, installationID int64) (string, error) {
	if installationID <= 0 {
		return "", platform.NotFound("installation")
	}
	jwt, err := a.JWT()
	if err != nil {
		return "", err
	}
	var out struct {
		Account struct {
			Login string `json:"login"`
		} `json:"account"`
	}
	err = a.call(ctx, http.MethodGet, fmt.Sprintf("/app/installations/%d", installationID), jwt, nil, &out, http.StatusOK)
	if err != nil {
		return "", platformError(err)
	}
	return out.Account.Login, nil
}

// RepositoryToken mints an installation access token that can only read
// the contents of the one repository (POST
// /app/installations/{id}/access_tokens with repositories and permissions
// narrowed), for one build. It is never cached: each build gets its own,
// valid for an hour at most. GitHub refusing the repository (it is not in
// the installation) is an error naming it; a retryable failure is a
// platform unavailable error.
func (a *App) RepositoryToken(ctx context.Context, installationID int64, repository string) (pipeline.SourceCredential, error) {
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return pipeline.SourceCredential{}, fmt.Errorf("github: repository %q is not owner/name", repository)
	}
	jwt, err := a.JWT()
	if err != nil {
		return pipeline.SourceCredential{}, err
	}
	in := map[string]any{"repositories": []string{name}, "permissions": map[string]string{"contents": "read"}}
	var out struct {
		Token        string    `json:"token"`
		ExpiresAt    time.Time `json:"expires_at"`
		Repositories []struct {
			FullName string `json:"full_name"`
		} `json:"repositories"`
	}
	path := fmt.Sprintf("/app/installations/%d/access_tokens", installationID)
	if err := a.call(ctx, http.MethodPost, path, jwt, in, &out, http.StatusCreated); err != nil {
		return pipeline.SourceCredential{}, platformError(err)
	}
	// The token reads repositories of the installation's account only: the
	// one it names must be the application's, not a namesake elsewhere.
	if out.Token == "" || len(out.Repositories) != 1 || !strings.EqualFold(out.Repositories[0].FullName, repository) {
		return pipeline.SourceCredential{}, fmt.Errorf("github: installation %d gave no token for %s alone", installationID, repository)
	}
	return pipeline.SourceCredential{Token: out.Token, Repository: repository, ExpiresAt: out.ExpiresAt}, nil
}

// platformError turns a 404 into not_found and a retryable failure into
// unavailable; anything else stays as it is.
func platformError(err error) error {
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return &platform.Error{Code: platform.CodeNotFound, Message: "installation not found", Err: err}
	case IsRetryable(err):
		return platform.Unavailable(err)
	}
	return err
}
