package pipeline

import (
	"context"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// WriteTestMetric writes one EMF line of a finished build through s.
func WriteTestMetric(s *Steps) {
	now := time.Unix(1795709851, 0)
	s.Launcher().writeMetrics(context.Background(), []emfLine{newEMFLine(StageBuild, platform.StatusComplete, now.Add(-time.Minute), now)})
}
