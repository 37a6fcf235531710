// Package simsource is the local system's observability.Source: it reads
// the cluster simulator's per-minute samples (sim.Cluster.Samples), sums
// them over the application's processes and aggregates them per step with
// platform.UsageWindow.Aggregate, exactly as the API documents the numbers:
// CPU, memory and pods averaged over the step's minutes, restarts the
// increase of the summed cumulative restart counter.
//
// It lives apart from package observability so that the Lambda, which
// reads CloudWatch, links no simulator.
package simsource

import (
	"context"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
)

// Source reads usage history from a simulated cluster.
type Source struct {
	Cluster *sim.Cluster
}

// chunk is how much of the window one Samples call reads, so that a long
// window never holds all its per-process samples at once.
const chunk = 24 * time.Hour

// History returns the application's points in w. It reads one minute
// before the window too: that minute's restart counter is the baseline of
// the first step.
func (s Source) History(_ context.Context, app platform.Application, w platform.UsageWindow) ([]platform.UsagePoint, error) {
	from := w.Start.Add(-time.Minute)
	minutes := make([]platform.UsageSample, 0, int(w.End.Sub(from)/time.Minute))
	for from.Before(w.End) {
		to := from.Add(chunk)
		if to.After(w.End) {
			to = w.End
		}
		minutes = PerMinute(minutes, s.Cluster.Samples(app.ID, from, to))
		from = to
	}
	return w.Aggregate(minutes), nil
}

// PerMinute appends to out the samples (oldest first, as
// sim.Cluster.Samples returns them) summed over the processes of each
// minute.
func PerMinute(out []platform.UsageSample, samples []sim.Sample) []platform.UsageSample {
	for _, s := range samples {
		if n := len(out); n == 0 || !out[n-1].Time.Equal(s.Time) {
			out = append(out, platform.UsageSample{Time: s.Time})
		}
		m := &out[len(out)-1]
		m.CPUMillicores += s.CPUMillicores
		m.MemoryBytes += s.MemoryBytes
		m.Pods += int64(s.Pods)
		m.RestartsTotal += s.Restarts
	}
	return out
}
