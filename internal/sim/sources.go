package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// SourceTokenLifetime is how long a simulated source token lives, as a
// GitHub installation access token does.
const SourceTokenLifetime = time.Hour

// Sources is a simulated GitHub App (pipeline.SourceCredentials): every
// installation may read every repository, and a minted token is a made-up
// value bound to the one repository, which Builder checks.
type Sources struct {
	now func() time.Time
}

var _ pipeline.SourceCredentials = Sources{}

// NewSources returns simulated source credentials; now nil means time.Now.
func NewSources(now func() time.Time) Sources {
	if now == nil {
		now = time.Now
	}
	return Sources{now: now}
}

// RepositoryToken mints a simulated token of the installation for the
// repository.
func (s Sources) RepositoryToken(_ context.Context, installationID int64, repository string) (pipeline.SourceCredential, error) {
	if installationID <= 0 || repository == "" {
		return pipeline.SourceCredential{}, fmt.Errorf("sim: no token for installation %d and repository %q", installationID, repository)
	}
	now := s.now()
	return pipeline.SourceCredential{
		Token:      "ghs_sim_" + digestHex(fmt.Sprint(installationID), repository, now.String())[:36],
		Repository: repository, ExpiresAt: now.Add(SourceTokenLifetime),
	}, nil
}
