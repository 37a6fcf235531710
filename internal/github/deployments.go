package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Deployment status states Slipway posts.
const (
	StateInProgress = "in_progress"
	StateSuccess    = "success"
	StateFailure    = "failure"
	StateError      = "error"
)

// MaxStatusDescription is GitHub's limit on a deployment status
// description, in characters.
const MaxStatusDescription = 140

// CreateDeployment creates a GitHub deployment of ref (a commit SHA) in
// repo ("owner/repo") and returns its id. It never asks GitHub to merge
// (auto_merge false) or to wait for commit statuses (required_contexts
// empty). An empty environment is GitHub's default ("production"). A 202
// (GitHub merged the default branch instead of deploying) is an *APIError
// carrying GitHub's message.
func (a *App) CreateDeployment(ctx context.Context, installationID int64, repo, ref, environment, description string) (int64, error) {
	path, err := repoPath(repo, "deployments")
	if err != nil {
		return 0, err
	}
	if ref == "" {
		return 0, fmt.Errorf("github: deployment of %s without a ref", repo)
	}
	in := struct {
		Ref                  string   `json:"ref"`
		AutoMerge            bool     `json:"auto_merge"`
		RequiredContexts     []string `json:"required_contexts"`
		Environment          string   `json:"environment,omitempty"`
		Description          string   `json:"description,omitempty"`
		TransientEnvironment bool     `json:"transient_environment"`
	}{Ref: ref, RequiredContexts: []string{}, Environment: environment, Description: description}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := a.installationCall(ctx, installationID, http.MethodPost, path, in, &out, http.StatusCreated); err != nil {
		return 0, err
	}
	if out.ID <= 0 {
		return 0, fmt.Errorf("github: POST %s: no deployment id in the response", path)
	}
	return out.ID, nil
}

// CreateDeploymentStatus posts a status (StateInProgress, StateSuccess,
// StateFailure or StateError) on a deployment. The description is cut to
// MaxStatusDescription characters; environmentURL is sent only when set; a
// success marks the environment's earlier successful deployments inactive
// (auto_inactive).
func (a *App) CreateDeploymentStatus(ctx context.Context, installationID int64, repo string, deploymentID int64, state, description, environmentURL string) error {
	switch state {
	case StateInProgress, StateSuccess, StateFailure, StateError:
	default:
		return fmt.Errorf("github: unsupported deployment state %q", state)
	}
	if deploymentID <= 0 {
		return fmt.Errorf("github: invalid deployment id %d", deploymentID)
	}
	path, err := repoPath(repo, fmt.Sprintf("deployments/%d/statuses", deploymentID))
	if err != nil {
		return err
	}
	in := struct {
		State          string `json:"state"`
		Description    string `json:"description,omitempty"`
		EnvironmentURL string `json:"environment_url,omitempty"`
		AutoInactive   *bool  `json:"auto_inactive,omitempty"`
	}{State: state, Description: truncate(description, MaxStatusDescription), EnvironmentURL: environmentURL}
	if state == StateSuccess {
		yes := true
		in.AutoInactive = &yes
	}
	return a.installationCall(ctx, installationID, http.MethodPost, path, in, nil, http.StatusCreated)
}

// repoPath returns /repos/{owner}/{repo}/{rest} for "owner/repo".
func repoPath(repo, rest string) (string, error) {
	if !platform.IsGitHubRepository(repo) || strings.HasSuffix(repo, "/.") || strings.HasSuffix(repo, "/..") {
		return "", fmt.Errorf("github: repository %q is not owner/repo", repo)
	}
	return "/repos/" + repo + "/" + rest, nil
}

// truncate cuts s to at most n characters, ending in "…" when it cut.
func truncate(s string, n int) string {
	runes := []rune(s)
	if len(runes) <= n {
		return s
	}
	return string(runes[:n-1]) + "…"
}
