package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"time"
)

// Sample is one minute of one process of a simulated application.
type Sample struct {
	// Time is the start of the minute (UTC).
	Time    time.Time
	Process string
	// CPUMillicores and MemoryBytes are summed over the process's pods.
	CPUMillicores int64
	MemoryBytes   int64
	Pods          int
	// Restarts counts container restarts of the process since the
	// application was first applied (cumulative).
	Restarts int64
}

// Samples returns the application's per-minute samples at every whole
// minute t with from ≤ t < to that is neither in the future nor before the
// application was first applied, oldest first, processes by name within a
// minute. It is nil for an application the cluster never ran.
//
// The numbers are deterministic functions of the application, process,
// minute, replicas and pod class: per pod, CPU is 35–60% of the pod
// class's CPU request and memory 40–70% of its memory request, with a
// wobble from a hash of the minute. Crash-looping pods use 2–5% of the CPU
// request and 5–10% of the memory request, and each restarts with
// Kubernetes' back-off (see backoffRestarts); every apply or scale that
// changes the workload starts its pods anew.
func (c *Cluster) Samples(applicationID string, from, to time.Time) []Sample {
	c.mu.Lock()
	defer c.mu.Unlock()
	app := c.apps[applicationID]
	if app == nil {
		return nil
	}
	now := c.now()
	if to.After(now) {
		to = now.Add(time.Nanosecond) // the current minute is included once it has begun
	}
	start := from.UTC().Truncate(time.Minute)
	if start.Before(from) {
		start = start.Add(time.Minute)
	}
	var out []Sample
	for t := start; t.Before(to); t = t.Add(time.Minute) {
		i := sort.Search(len(app.history), func(i int) bool { return app.history[i].from.After(t) }) - 1
		if i < 0 {
			continue // before the first apply
		}
		seg := app.history[i]
		for _, p := range seg.processes {
			out = append(out, sampleOf(applicationID, p, seg.crashing, t, restartsAt(app.history, p.name, t)))
		}
	}
	return out
}

func sampleOf(appID string, p procState, crashing bool, t time.Time, restarts int64) Sample {
	cpuShare, memShare := 0.35+0.25*wobble(appID, p.name, t, "cpu"), 0.40+0.30*wobble(appID, p.name, t, "memory")
	if crashing {
		cpuShare, memShare = 0.02+0.03*wobble(appID, p.name, t, "cpu"), 0.05+0.05*wobble(appID, p.name, t, "memory")
	}
	pods := float64(p.replicas)
	return Sample{
		Time: t, Process: p.name, Pods: p.replicas, Restarts: restarts,
		CPUMillicores: int64(pods * float64(p.cpuMilli) * cpuShare),
		MemoryBytes:   int64(pods * float64(p.memBytes) * memShare),
	}
}

// restartsAt sums the restarts of the process's pods over every
// crash-looping segment up to t.
func restartsAt(history []segment, process string, t time.Time) int64 {
	var total int64
	for i, seg := range history {
		if !seg.crashing || !seg.from.Before(t) {
			continue
		}
		end := t
		if i+1 < len(history) && history[i+1].from.Before(t) {
			end = history[i+1].from
		}
		for _, p := range seg.processes {
			if p.name == process {
				total += int64(p.replicas) * backoffRestarts(end.Sub(seg.from))
			}
		}
	}
	return total
}

// backoffRestarts is how often a crash-looping container has restarted d
// after it first started, crashing at once every time: Kubernetes waits
// 10 s before the first restart and doubles the wait up to 300 s, so the
// restarts come at 10, 30, 70, 150 and 310 s, then every 300 s.
func backoffRestarts(d time.Duration) int64 {
	secs := int64(d / time.Second)
	var n int64
	for _, at := range []int64{10, 30, 70, 150, 310} {
		if secs >= at {
			n++
		}
	}
	if secs > 310 {
		n += (secs - 310) / 300
	}
	return n
}

// wobble is a deterministic number in [0, 1) for the application,
// process, minute and metric.
func wobble(appID, process string, t time.Time, metric string) float64 {
	sum := sha256.Sum256([]byte(appID + "\x00" + process + "\x00" + metric + "\x00" + t.UTC().Format(time.RFC3339)))
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}
