package platform

import (
	"math"
	"strings"
	"time"
)

// ObservabilityRange is how far back the usage history of an application
// reaches (Window) and how far apart its points are (Step).
type ObservabilityRange struct {
	Name   string
	Window time.Duration
	Step   time.Duration
}

// DefaultObservabilityRange is the range of a request that names none.
const DefaultObservabilityRange = "1h"

// observabilityRanges are the ranges the API accepts. Every step divides a
// day and its window, and no range has more than 720 points.
var observabilityRanges = []ObservabilityRange{
	{Name: "1h", Window: time.Hour, Step: time.Minute},
	{Name: "6h", Window: 6 * time.Hour, Step: 5 * time.Minute},
	{Name: "24h", Window: 24 * time.Hour, Step: 5 * time.Minute},
	{Name: "7d", Window: 7 * 24 * time.Hour, Step: time.Hour},
	{Name: "30d", Window: 30 * 24 * time.Hour, Step: time.Hour},
}

// ParseObservabilityRange returns the range named s ("" is the default);
// any other name is a validation error naming the field "range".
func ParseObservabilityRange(s string) (ObservabilityRange, error) {
	if s == "" {
		s = DefaultObservabilityRange
	}
	names := make([]string, len(observabilityRanges))
	for i, r := range observabilityRanges {
		if r.Name == s {
			return r, nil
		}
		names[i] = r.Name
	}
	return ObservabilityRange{}, Invalid("range", "must be one of "+strings.Join(names, ", "))
}

// UsageWindow is the steps [Start, End) of a usage history, Step apart.
// Start and End are multiples of Step since the Unix epoch, in UTC.
type UsageWindow struct {
	Start, End time.Time
	Step       time.Duration
}

// WindowAt returns the range's window at now: it ends where the step now
// falls in begins, so the current, unfinished step is left out and every
// point covers a whole step.
func (r ObservabilityRange) WindowAt(now time.Time) UsageWindow {
	end := now.UTC().Truncate(r.Step) // the zero time is a whole number of days before the epoch
	return UsageWindow{Start: end.Add(-r.Window), End: end, Step: r.Step}
}

// Len is the number of steps in the window.
func (w UsageWindow) Len() int { return int(w.End.Sub(w.Start) / w.Step) }

// index returns the step t falls in, if it falls in the window.
func (w UsageWindow) index(t time.Time) (int, bool) {
	if t.Before(w.Start) || !t.Before(w.End) {
		return 0, false
	}
	return int(t.Sub(w.Start) / w.Step), true
}

// Usage is what an application used during one step, summed over its
// processes and pods.
type Usage struct {
	// CPUMillicores and MemoryBytes are averages over the step.
	CPUMillicores int64
	MemoryBytes   int64
	// Pods is the average number of pods over the step, rounded.
	Pods int64
	// Restarts counts container restarts during the step.
	Restarts int64
}

// UsagePoint is one step of a usage history; Usage is nil for a step
// without data.
type UsagePoint struct {
	// Time is the start of the step.
	Time  time.Time
	Usage *Usage
}

// Fill returns every step of the window, oldest first, with the usage of
// the point given for it (a point's time counts in the step it falls in);
// a step no point names has no usage. Points outside the window are
// ignored; of two points in one step, the later one in points wins.
func (w UsageWindow) Fill(points []UsagePoint) []UsagePoint {
	out := make([]UsagePoint, w.Len())
	for i := range out {
		out[i].Time = w.Start.Add(time.Duration(i) * w.Step)
	}
	for _, p := range points {
		if i, ok := w.index(p.Time); ok {
			out[i].Usage = p.Usage
		}
	}
	return out
}

// UsageSample is one minute of an application's usage, summed over its
// processes and pods.
type UsageSample struct {
	// Time is the start of the minute.
	Time          time.Time
	CPUMillicores int64
	MemoryBytes   int64
	Pods          int64
	// RestartsTotal is a cumulative count of container restarts; it may
	// go down when pods are replaced (see CounterIncreases).
	RestartsTotal int64
}

// Aggregate turns per-minute samples (oldest first, at most one a minute)
// into a point for every step of the window that has one: CPU, memory and
// pods averaged over all the step's minutes, a minute without a sample
// counting as zero (nothing ran); restarts the increase of the cumulative
// counter over the step's minutes.
//
// Samples before Start only give the counter's baseline (the last of them).
// Without one the baseline is zero, as for an application the window sees
// start: its first reading counts in full.
func (w UsageWindow) Aggregate(samples []UsageSample) []UsagePoint {
	var baseline int64
	readings := make([]int64, 0, len(samples))
	inside := make([]UsageSample, 0, len(samples))
	for _, s := range samples {
		switch _, ok := w.index(s.Time); {
		case ok:
			inside = append(inside, s)
			readings = append(readings, s.RestartsTotal)
		case s.Time.Before(w.Start):
			baseline = s.RestartsTotal
		}
	}
	increases := CounterIncreases(baseline, readings)
	type sums struct {
		samples        int
		cpu, mem, pods float64
		restarts       int64
	}
	steps := make([]sums, w.Len())
	for i, s := range inside {
		step, _ := w.index(s.Time)
		t := &steps[step]
		t.samples++
		t.cpu, t.mem, t.pods = t.cpu+float64(s.CPUMillicores), t.mem+float64(s.MemoryBytes), t.pods+float64(s.Pods)
		t.restarts += increases[i]
	}
	minutes := float64(w.Step / time.Minute)
	var out []UsagePoint
	for i, t := range steps {
		if t.samples == 0 {
			continue
		}
		out = append(out, UsagePoint{Time: w.Start.Add(time.Duration(i) * w.Step), Usage: &Usage{
			CPUMillicores: roundInt(t.cpu / minutes), MemoryBytes: roundInt(t.mem / minutes),
			Pods: roundInt(t.pods / minutes), Restarts: t.restarts,
		}})
	}
	return out
}

// CounterIncreases returns by how much a cumulative counter grew up to each
// reading, starting from baseline: the difference to the reading before,
// or, where the counter went down (it was reset, e.g. a pod was replaced
// by a new one counting from zero), the new reading itself. No increase is
// negative.
func CounterIncreases(baseline int64, readings []int64) []int64 {
	out := make([]int64, len(readings))
	prev := max(baseline, 0)
	for i, v := range readings {
		v = max(v, 0) // a negative reading is no count at all
		if v >= prev {
			out[i] = v - prev
		} else {
			out[i] = v
		}
		prev = v
	}
	return out
}

// roundInt rounds half away from zero.
func roundInt(v float64) int64 { return int64(math.Round(v)) }
