package sim

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// Cluster is a simulated Kubernetes cluster (pipeline.Cluster). It keeps
// each application's workload in memory. Like the real cluster it runs
// only web*, worker* and tcp* processes (procfile.KindOf); one-off
// processes such as release or migrate are ignored.
type Cluster struct {
	now      func() time.Time
	duration time.Duration
	crash    CrashRules
	logs     LogSink

	mu   sync.Mutex
	apps map[string]*simApp // by application id
	// jobs are the one-off jobs (job.go), by namespace/name.
	jobs        map[string]*simJob
	jobDuration time.Duration

	// routes is the simulated ingress (routes.go).
	routes *routeBook
}

var _ pipeline.Cluster = (*Cluster)(nil)

type simApp struct {
	fingerprint  string
	name         string
	rolloutStart time.Time
	crashing     bool
	rollout      *script // the current rollout's events (logs.go)
	// history holds every state the application ran in, oldest first.
	history []segment
	// release and env are the applied release and its config var names.
	release int64
	env     []string
}

// segment is a state the application ran in from a point in time on.
type segment struct {
	from      time.Time
	crashing  bool
	processes []procState // sorted by name
	release   int64
	releaseID string
}

type procState struct {
	name       string
	replicas   int
	cpuMilli   int64 // CPU request per pod
	memBytes   int64 // memory request per pod
	webProcess bool
}

// NewCluster returns a simulated cluster; now nil means time.Now.
func NewCluster(cfg Config, now func() time.Time) *Cluster {
	if now == nil {
		now = time.Now
	}
	return &Cluster{now: now, duration: cfg.RolloutDuration, crash: cfg.CrashLoop, logs: logsOf(cfg), apps: map[string]*simApp{},
		jobs: map[string]*simJob{}, jobDuration: cfg.JobDuration, routes: newRouteBook(cfg)}
}

// Apply runs the workload and routes its web processes. Applying the same
// workload again changes nothing; any change but of the domains starts a
// new rollout.
func (c *Cluster) Apply(_ context.Context, w pipeline.Workload) error {
	if w.ApplicationID == "" {
		return fmt.Errorf("sim: workload %q has no application id", w.Name)
	}
	if err := c.update(w, true); err != nil {
		return err
	}
	c.routes.apply(w, c.now())
	return nil
}

// Scale changes replicas and pod classes of an applied workload.
func (c *Cluster) Scale(_ context.Context, w pipeline.Workload) error {
	return c.update(w, false)
}

// update makes w the application's state unless it already is; create
// says whether an application the cluster does not run yet may start.
func (c *Cluster) update(w pipeline.Workload, create bool) error {
	procs, err := processStates(w)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	app := c.apps[w.ApplicationID]
	if app == nil && !create {
		return notRunning(w)
	}
	if app == nil {
		app = &simApp{}
		c.apps[w.ApplicationID] = app
	}
	if create {
		app.env = w.Env.Names() // Scale's workload carries no config
	} else {
		w.PipelineID = "" // a scale is no pipeline's rollout: it writes no pipeline log
	}
	c.record(app, w, procs)
	return nil
}

// record makes w the application's state unless it already is; c.mu
// is held.
func (c *Cluster) record(app *simApp, w pipeline.Workload, procs []procState) {
	fp := fingerprint(w)
	if fp == app.fingerprint {
		return
	}
	now := c.now()
	app.fingerprint, app.name, app.rolloutStart = fp, w.Name, now
	app.crashing = c.crash.Match(w.ApplicationID, w.Name)
	c.logStarts(app, w, procs, now)
	app.history = append(app.history, segment{from: now, crashing: app.crashing, processes: procs, release: w.ReleaseVersion, releaseID: w.ReleaseID})
	app.rollout = nil
	if w.PipelineID != "" {
		c.logs.Pipeline(w.ApplicationID, w.PipelineID, "deploy", now, fmt.Sprintf("Rolling out release v%d (%s)", w.ReleaseVersion, w.Name))
		app.rollout = &script{appID: w.ApplicationID, pipelineID: w.PipelineID, stage: "deploy", start: now, lines: rolloutScript(w, procs, app.crashing, c.duration)}
	}
}

// RolloutStatus reports the rollout of the applied workload: pods become
// ready evenly over the rollout duration and the rollout is done when it
// has passed. A crash-looping application never has a ready pod, and its
// rollout fails once the duration has passed. A workload with no pods is
// done at once.
func (c *Cluster) RolloutStatus(_ context.Context, w pipeline.Workload) (pipeline.RolloutStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	app := c.apps[w.ApplicationID]
	if app == nil {
		return pipeline.RolloutStatus{}, notRunning(w)
	}
	current := app.history[len(app.history)-1]
	if app.rollout != nil {
		app.rollout.flush(c.logs, c.now())
	}
	var st pipeline.RolloutStatus
	for _, p := range current.processes {
		st.Desired += p.replicas
	}
	elapsed := c.now().Sub(app.rolloutStart)
	switch {
	case st.Desired == 0 || (!app.crashing && elapsed >= c.duration):
		st.Done, st.Ready = true, st.Desired
	case app.crashing && elapsed >= c.duration:
		st.Failed = true
		st.Reason = fmt.Sprintf("simulated crash loop: container %q restarting (CrashLoopBackOff)", crashingContainer(current.processes))
	case !app.crashing:
		st.Ready = int(int64(st.Desired) * int64(elapsed) / int64(c.duration))
	}
	return st, nil
}

func notRunning(w pipeline.Workload) error {
	return platform.Errorf(platform.CodeNotFound, "the simulated cluster runs no workload of application %s", w.ApplicationID)
}

// crashingContainer names the container the crash-loop reason blames: the
// first web process with pods, else the first process with pods.
func crashingContainer(procs []procState) string {
	name := ""
	for _, p := range procs {
		if p.replicas == 0 {
			continue
		}
		if p.webProcess {
			return p.name
		}
		if name == "" {
			name = p.name
		}
	}
	return name
}

// processStates lists the workload's long-running processes with their
// replicas and resource requests.
func processStates(w pipeline.Workload) ([]procState, error) {
	var procs []procState
	for name := range w.Processes {
		kind := procfile.KindOf(name)
		if !kind.LongRunning() {
			continue
		}
		class, ok := w.PodClasses[name]
		if !ok || class.Name == "" {
			class, _ = platform.LookupPodClass(platform.DefaultPodClass)
		}
		cpu, err := milliValue(class.CPURequest)
		if err != nil {
			return nil, fmt.Errorf("sim: process %s: pod class %s: %w", name, class.Name, err)
		}
		mem, err := milliValue(class.MemoryRequest)
		if err != nil {
			return nil, fmt.Errorf("sim: process %s: pod class %s: %w", name, class.Name, err)
		}
		procs = append(procs, procState{name: name, replicas: max(w.ProcessCounts[name], 0), cpuMilli: cpu, memBytes: mem / 1000, webProcess: kind == procfile.KindWeb})
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].name < procs[j].name })
	return procs, nil
}

// fingerprint identifies everything of a workload the simulation depends
// on (fmt prints maps sorted by key). Env is left out: the release and
// config versions pin it, and Scale's workload carries none. The domains
// are routes only (routes.go): a change of them rolls nothing out.
func fingerprint(w pipeline.Workload) string {
	w.Env = pipeline.Env{}
	w.Domains = nil
	return fmt.Sprintf("%+v", w)
}
