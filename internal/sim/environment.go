package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// logStarts writes the runtime line of every instance a new state starts,
// naming the environment variables it starts with (names only, sorted;
// never a value): `starting web with environment: DATABASE_URL, PORT`.
// A new release starts every instance (its pod template changed); the
// same release with more replicas starts only the added ones. Instances
// are named as the generated runtime lines name them (podName). c.mu is
// held.
func (c *Cluster) logStarts(app *simApp, w pipeline.Workload, procs []procState, at time.Time) {
	before := map[string]int{}
	if len(app.history) > 0 && app.release == w.ReleaseVersion {
		for _, p := range app.history[len(app.history)-1].processes {
			before[p.name] = p.replicas
		}
	}
	app.release = w.ReleaseVersion
	for _, p := range procs {
		line := EnvironmentLine(p.name, app.env)
		for i := before[p.name]; i < p.replicas; i++ {
			c.logs.Runtime(w.ApplicationID, p.name, podName(w.Name, w.ReleaseID, p.name, i), w.ReleaseVersion, at, line)
		}
	}
}

// processEnv are the names a process's containers get: the release's
// config vars and, for web and tcp processes, PORT (as the real cluster's
// pods: kube.Render), sorted.
func processEnv(config []string, process string) []string {
	names := slices.Clone(config)
	if procfile.KindOf(process).Serves() && !slices.Contains(names, "PORT") {
		names = append(names, "PORT")
	}
	slices.Sort(names)
	return names
}

// EnvironmentLine is the runtime line of an instance of process starting
// with the config var names (what the simulated cluster writes).
func EnvironmentLine(process string, config []string) string {
	return fmt.Sprintf("starting %s with environment: %s", process, strings.Join(processEnv(config, process), ", "))
}

// buildConfigLine is the build log's line of the config a build gets: the
// names of its build arguments (--build-arg) and the ids of its build
// secrets (--secret id=NAME), never a value; "" when it gets none.
func buildConfigLine(c pipeline.BuildConfig) string {
	if c.Empty() {
		return ""
	}
	none := func(names []string) string {
		if len(names) == 0 {
			return "none"
		}
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("Config v%d: build arguments: %s; build secrets: %s", c.ConfigVersion, none(c.Args.Names()), none(c.Secrets.Names()))
}
