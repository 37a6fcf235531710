package platform

import (
	"math"
	"sort"
	"time"
)

// StageRun is one finished or running object of a pipeline stage, as the
// pipeline metrics see it.
type StageRun struct {
	ID      string
	Version int64
	Status  Status
	Created time.Time
	Updated time.Time
}

// StageMetrics summarizes a stage over a window of its newest objects.
type StageMetrics struct {
	Total   int
	Success int
	Error   int
	// SuccessRate is a percentage with one decimal; nil when Total is 0.
	SuccessRate *float64
	// AvgSecs, P50Secs and P95Secs come from successful objects only; nil
	// when there are none. Percentiles are nearest-rank.
	AvgSecs, P50Secs, P95Secs *float64
	// History is oldest first.
	History []StageHistoryEntry
}

// StageHistoryEntry is one finished object in the metrics history.
type StageHistoryEntry struct {
	ID      string
	Version int64
	OK      bool
	Secs    float64
	Created time.Time
}

// Metrics computes StageMetrics over runs (any order). Objects still in
// progress are not finished and are left out; canceled ones count in Total
// but neither as a success nor as an error.
func Metrics(runs []StageRun) StageMetrics {
	var m StageMetrics
	finished := make([]StageRun, 0, len(runs))
	for _, r := range runs {
		if r.Status != StatusInProgress {
			finished = append(finished, r)
		}
	}
	sort.Slice(finished, func(i, j int) bool {
		if !finished[i].Created.Equal(finished[j].Created) {
			return finished[i].Created.Before(finished[j].Created)
		}
		return finished[i].Version < finished[j].Version
	})
	var durations []float64
	m.History = make([]StageHistoryEntry, 0, len(finished))
	for _, r := range finished {
		secs := round(r.Updated.Sub(r.Created).Seconds(), 3)
		ok := r.Status == StatusComplete
		m.Total++
		switch r.Status {
		case StatusComplete:
			m.Success++
			durations = append(durations, secs)
		case StatusError:
			m.Error++
		}
		m.History = append(m.History, StageHistoryEntry{ID: r.ID, Version: r.Version, OK: ok, Secs: secs, Created: r.Created})
	}
	if m.Total > 0 {
		rate := round(100*float64(m.Success)/float64(m.Total), 1)
		m.SuccessRate = &rate
	}
	if len(durations) > 0 {
		sort.Float64s(durations)
		sum := 0.0
		for _, d := range durations {
			sum += d
		}
		avg := round(sum/float64(len(durations)), 3)
		p50, p95 := NearestRank(durations, 50), NearestRank(durations, 95)
		m.AvgSecs, m.P50Secs, m.P95Secs = &avg, &p50, &p95
	}
	return m
}

// NearestRank returns the p-th percentile of sorted values by the
// nearest-rank method: the value at rank ceil(p/100 × n).
func NearestRank(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func round(v float64, decimals int) float64 {
	f := math.Pow(10, float64(decimals))
	return math.Round(v*f) / f
}

// StageRun returns the image as a build-stage run.
func (i Image) StageRun() StageRun {
	return StageRun{ID: i.ID, Version: i.Version, Status: i.Status, Created: i.Created, Updated: i.Updated}
}

// StageRun returns the release as a release-stage run.
func (r Release) StageRun() StageRun {
	return StageRun{ID: r.ID, Version: r.Version, Status: r.Status, Created: r.Created, Updated: r.Updated}
}

// StageRun returns the deployment as a deploy-stage run; its version is
// its release's.
func (d Deployment) StageRun() StageRun {
	return StageRun{ID: d.ID, Version: d.ReleaseVersion, Status: d.Status, Created: d.Created, Updated: d.Updated}
}
