package sim

import (
	"fmt"
	"sort"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// scriptLine is a line a simulated process writes at an offset from its
// start. The simulators know a build's or a rollout's whole script when it
// starts and write each line once the clock passed its offset (when the
// pipeline polls them), timestamped at the offset: deterministic under a
// virtual clock, and nothing is written that did not "happen" yet.
type scriptLine struct {
	at  time.Duration
	msg string
}

// script is the lines of one run and how many were written.
type script struct {
	appID, pipelineID, stage string
	start                    time.Time
	lines                    []scriptLine
	written                  int
}

// flush writes the lines due at now; stop, when non-zero, ends the script
// there (a stopped build writes nothing after its stop).
func (s *script) flush(sink LogSink, now time.Time) {
	for s.written < len(s.lines) && !s.start.Add(s.lines[s.written].at).After(now) {
		l := s.lines[s.written]
		sink.Pipeline(s.appID, s.pipelineID, s.stage, s.start.Add(l.at), l.msg)
		s.written++
	}
}

// stop writes the lines due at now, then msg, and drops the rest.
func (s *script) stop(sink LogSink, now time.Time, msg string) {
	s.flush(sink, now)
	if s.written < len(s.lines) {
		sink.Pipeline(s.appID, s.pipelineID, s.stage, now, msg)
		s.written = len(s.lines)
	}
}

// buildScript is a Docker-build-like log over the build's duration d:
// steps, cache hits, the push; a failing build ends with its reason.
func buildScript(req pipeline.BuildRequest, d time.Duration, failure string) []scriptLine {
	ctx := "."
	if req.Subdirectory != "" {
		ctx = req.Subdirectory
	}
	layer := func(i int) string { return digestHex(req.ImageID, fmt.Sprint(i))[:12] }
	steps := []string{
		"FROM public.ecr.aws/docker/library/golang:1.23-alpine AS build",
		"WORKDIR /src",
		"COPY go.mod go.sum ./",
		"RUN go mod download",
		"COPY . .",
		"RUN go build -trimpath -o /out/ ./cmd/...",
		"FROM gcr.io/distroless/static-debian12",
		"COPY --from=build /out/ /bin/",
	}
	msgs := []string{"Fetched " + req.Repository + "@" + buildTarget(req) + "; build context " + ctx,
		"Procfile: web, worker", "Sending build context to Docker daemon  1.84MB"}
	failAt := len(steps)
	if failure != "" {
		failAt = 5 // the compile step fails
		if cloneFailure(req) != "" {
			failAt = -1
		}
	}
	for i, st := range steps {
		if i == failAt || failAt < 0 {
			break
		}
		msgs = append(msgs, fmt.Sprintf("Step %d/%d : %s", i+1, len(steps), st))
		if i < 4 && i > 0 {
			msgs = append(msgs, " ---> Using cache")
		} else {
			msgs = append(msgs, " ---> Running in "+layer(100+i))
		}
		msgs = append(msgs, " ---> "+layer(i))
	}
	if failure != "" {
		if failAt >= 0 {
			msgs = append(msgs, fmt.Sprintf("Step %d/%d : %s", failAt+1, len(steps), steps[failAt]), " ---> Running in "+layer(100+failAt))
		}
		msgs = append(msgs, "ERROR: simulated build failure: "+failure)
	} else {
		tag := ImageRegistry + "/" + req.ApplicationID + ":" + req.ImageTag
		msgs = append(msgs, "Successfully built "+layer(len(steps)-1), "Successfully tagged "+tag,
			"The push refers to repository ["+ImageRegistry+"/"+req.ApplicationID+"]",
			layer(50)+": Layer already exists", layer(51)+": Pushed",
			req.ImageTag+": digest: sha256:"+digestHex(req.ImageID)+" size: 1786")
	}
	return spread(msgs, d)
}

// spread times lines evenly over d: the first just after the start, the
// last at d (when the run reports its outcome).
func spread(msgs []string, d time.Duration) []scriptLine {
	out := make([]scriptLine, len(msgs))
	for i, m := range msgs {
		out[i] = scriptLine{at: d * time.Duration(i+1) / time.Duration(len(msgs)), msg: m}
	}
	return out
}

// podName is the deterministic name of a process's i-th pod of a release.
func podName(workload, releaseID, process string, i int) string {
	h := digestHex(releaseID, process)
	return fmt.Sprintf("%s-%s-%s-%s", workload, process, h[:8], digestHex(h, fmt.Sprint(i))[:5])
}

// crashLines are the last lines a crash-looping container writes.
func crashLines(process string) []string {
	return []string{
		"starting " + process,
		"panic: runtime error: invalid memory address or nil pointer dereference",
		"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]",
		"exit status 2",
	}
}

// rolloutScript is the cluster's events over the rollout duration d: each
// pod scheduled, its image pulled, then ready as RolloutStatus counts it
// (pod i of n at d·(i+1)/n) — or, for a crash-looping release, the
// container's last lines and CrashLoopBackOff at d.
func rolloutScript(w pipeline.Workload, procs []procState, crashing bool, d time.Duration) []scriptLine {
	var pods []struct{ name, process string }
	for _, p := range procs {
		for i := range p.replicas {
			pods = append(pods, struct{ name, process string }{podName(w.Name, w.ReleaseID, p.name, i), p.name})
		}
	}
	n := time.Duration(max(len(pods), 1))
	var out []scriptLine
	for i, p := range pods {
		at := d * time.Duration(i) / (4 * n)
		out = append(out,
			scriptLine{at, fmt.Sprintf("pod/%s: Scheduled: assigned to node sim-node-%d", p.name, i%3+1)},
			scriptLine{at + d/(8*n), fmt.Sprintf("pod/%s: Pulled: image %q", p.name, w.ImageURI)},
			scriptLine{at + d/(8*n), fmt.Sprintf("pod/%s: Started: container %s", p.name, p.process)})
		if !crashing {
			out = append(out, scriptLine{d * time.Duration(i+1) / n, fmt.Sprintf("pod/%s: Ready", p.name)})
		}
	}
	if crashing && len(pods) > 0 {
		proc := crashingContainer(procs)
		for _, p := range pods {
			if p.process != proc {
				continue
			}
			for _, l := range crashLines(proc) {
				out = append(out, scriptLine{d - time.Millisecond, fmt.Sprintf("pod/%s [%s]: %s", p.name, proc, l)})
			}
			out = append(out, scriptLine{d, fmt.Sprintf("pod/%s: BackOff: back-off restarting failed container %s (CrashLoopBackOff)", p.name, proc)})
			break
		}
	}
	if len(pods) == 0 {
		out = append(out, scriptLine{0, "no process has instances: nothing to roll out"})
	} else if !crashing {
		out = append(out, scriptLine{d, fmt.Sprintf("rollout of release v%d complete: %d of %d pods ready", w.ReleaseVersion, len(pods), len(pods))})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// runtimePeriod is how often a simulated instance writes a line.
const runtimePeriod = 10 * time.Second

// instanceSpan is one instance's life in a segment.
type instanceSpan struct {
	process, instance string
	release           int64
	from, to          time.Time // to zero: still running
	crashing          bool
	web               bool
}

// spans lists the instances the application ran overlapping [from, to];
// c.mu is held.
func (c *Cluster) spans(app *simApp, from, to time.Time) []instanceSpan {
	var out []instanceSpan
	for i, seg := range app.history {
		end := time.Time{}
		if i+1 < len(app.history) {
			end = app.history[i+1].from
		}
		if seg.from.After(to) || (!end.IsZero() && end.Before(from)) {
			continue
		}
		for _, p := range seg.processes {
			for k := range p.replicas {
				out = append(out, instanceSpan{process: p.name, instance: podName(app.name, seg.releaseID, p.name, k), release: seg.release,
					from: seg.from.Add(c.duration * time.Duration(k+1) / time.Duration(p.replicas)), to: end, crashing: seg.crashing, web: p.webProcess})
			}
		}
	}
	return out
}

// lineAt is what an instance writes at its n-th period.
func (sp instanceSpan) lineAt(n int64) string {
	switch {
	case sp.crashing:
		l := crashLines(sp.process)
		return l[n%int64(len(l))]
	case n == 0 && sp.web:
		return "listening on :8080"
	case n == 0:
		return sp.process + " started"
	case sp.web:
		paths := []string{"/", "/healthz", "/api/items", "/static/app.js", "/api/items/42"}
		status := []int{200, 200, 200, 304, 404}
		k := (n * 7) % int64(len(paths))
		return fmt.Sprintf("GET %s %d %dms", paths[k], status[k], 3+(n*13)%40)
	default:
		return fmt.Sprintf("processed job %d in %dms", n, 20+(n*17)%200)
	}
}

// RuntimeLines generates the lines the application's instances wrote in
// [from, to]: each instance a line every runtimePeriod from when it
// became ready until it was replaced (logstore.Generator).
func (c *Cluster) RuntimeLines(applicationID string, from, to time.Time) []platform.LogLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	app := c.apps[applicationID]
	if app == nil || to.Before(from) {
		return nil
	}
	var out []platform.LogLine
	for _, sp := range c.spans(app, from, to) {
		first := int64(0)
		if from.After(sp.from) {
			first = int64((from.Sub(sp.from) + runtimePeriod - 1) / runtimePeriod)
		}
		for n := first; ; n++ {
			at := sp.from.Add(time.Duration(n) * runtimePeriod)
			if at.After(to) || (!sp.to.IsZero() && !at.Before(sp.to)) {
				break
			}
			out = append(out, platform.LogLine{Time: at, Process: sp.process, Instance: sp.instance, ReleaseVersion: sp.release, Message: sp.lineAt(n)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Instance < out[j].Instance
	})
	return out
}

// NextRuntimeLine is when the first line after t is written, if anything
// runs (logstore.Generator).
func (c *Cluster) NextRuntimeLine(applicationID string, t time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	app := c.apps[applicationID]
	if app == nil {
		return time.Time{}, false
	}
	var next time.Time
	for _, sp := range c.spans(app, t, t.Add(c.duration+runtimePeriod)) {
		at := sp.from
		if !at.After(t) {
			at = sp.from.Add((t.Sub(sp.from)/runtimePeriod + 1) * runtimePeriod)
		}
		if !sp.to.IsZero() && !at.Before(sp.to) {
			continue
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}
