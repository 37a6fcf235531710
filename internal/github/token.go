package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// tokenRefreshMargin: a cached installation token is replaced this long
// before it expires, so no call starts with a token about to die.
const tokenRefreshMargin = 5 * time.Minute

// installationToken is one installation's cached token. sem (capacity 1)
// guards token and expires and lets one refresh run at a time while other
// callers wait or give up with their context.
type installationToken struct {
	sem     chan struct{}
	token   string
	expires time.Time
}

// InstallationToken returns a token for the installation, from the cache
// while it is more than 5 minutes from expiry, else from
// POST /app/installations/{id}/access_tokens. Concurrent callers for one
// installation share a single refresh.
func (a *App) InstallationToken(ctx context.Context, installationID int64) (string, error) {
	if installationID <= 0 {
		return "", fmt.Errorf("github: invalid installation id %d", installationID)
	}
	t := a.tokenSlot(installationID)
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-t.sem }()
	if t.token != "" && a.now().Before(t.expires.Add(-tokenRefreshMargin)) {
		return t.token, nil
	}
	jwt, err := a.JWT()
	if err != nil {
		return "", err
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	path := fmt.Sprintf("/app/installations/%d/access_tokens", installationID)
	if err := a.call(ctx, http.MethodPost, path, jwt, nil, &out, http.StatusCreated); err != nil {
		return "", err
	}
	if out.Token == "" {
		return "", errors.New("github: POST " + path + ": no token in the response")
	}
	t.token, t.expires = out.Token, out.ExpiresAt
	return t.token, nil
}

// forgetToken drops a cached token GitHub refused, so the next call
// fetches a new one.
func (a *App) forgetToken(installationID int64, token string) {
	t := a.tokenSlot(installationID)
	t.sem <- struct{}{}
	if t.token == token {
		t.token, t.expires = "", time.Time{}
	}
	<-t.sem
}

func (a *App) tokenSlot(installationID int64) *installationToken {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tokens == nil {
		a.tokens = make(map[int64]*installationToken)
	}
	t := a.tokens[installationID]
	if t == nil {
		t = &installationToken{sem: make(chan struct{}, 1)}
		a.tokens[installationID] = t
	}
	return t
}

// installationCall is call with the installation's token. A 401 drops the
// cached token (revoked, or the installation changed) and is retryable: the
// next attempt fetches a new token.
func (a *App) installationCall(ctx context.Context, installationID int64, method, path string, in, out any, want int) error {
	token, err := a.InstallationToken(ctx, installationID)
	if err != nil {
		return err
	}
	err = a.call(ctx, method, path, token, in, out, want)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		a.forgetToken(installationID, token)
		apiErr.Retryable = true
	}
	return err
}
