// Package sim holds simulators of Slipway's two outside systems, for the
// local system and for tests: Builder simulates the image builder
// (CodeBuild) and Cluster simulates the Kubernetes cluster. They build and
// run nothing. They implement pipeline.Builder and pipeline.Cluster with
// deterministic behaviour on an injectable clock: progress is computed from
// start times, so no goroutine, timer or sleep is involved, and a virtual
// clock moves them forward in tests. Both are safe for concurrent use.
//
// Both write what their real counterparts would log to a LogSink: the
// cluster a line per instance it starts naming the environment variables
// it starts with ("starting web with environment: DATABASE_URL, PORT"),
// the builder the names of its build arguments and build secrets; never a
// value.
//
// The simulated cluster also keeps a per-minute sample history of every
// application it runs (CPU, memory, pods, restarts), shaped by replicas
// and pod class, for the observability endpoint.
//
// Configuration (ConfigFromEnv) comes from these environment variables:
//
//	SLIPWAY_SIM_BUILD_SECONDS    how long a simulated build takes, in seconds
//	                             (0–3600, fractions allowed); default 3
//	SLIPWAY_SIM_ROLLOUT_SECONDS  how long a simulated rollout takes, in seconds
//	                             (0–3600, fractions allowed); default 4
//	SLIPWAY_SIM_FAIL_BUILD       which builds fail, a comma-separated list of
//	                             rules: "all", "repo=<owner>/<name>" (case-
//	                             insensitive) or "branch=<name>"; default none
//	SLIPWAY_SIM_CRASH_LOOP       which applications crash-loop, "all" or a
//	                             comma-separated list of application ids or
//	                             slugs; default none
//	SLIPWAY_SIM_CERTIFICATE_SECONDS  how long the simulated ingress takes to
//	                             issue a host's certificate (0–3600); default 0
//	SLIPWAY_SIM_FAIL_CERTIFICATE which hosts' certificates are never issued
//	                             (their domains end in error), "all" or a
//	                             comma-separated list of hostnames; default none
//	SLIPWAY_SIM_RELEASE_COMMAND  which builds' Procfiles also declare a
//	                             release process (ReleaseCommand): "all" or
//	                             a comma-separated list of
//	                             "repo=<owner>/<name>"; default none
//	SLIPWAY_SIM_FAIL_RELEASE_COMMAND  the same forms: those builds' release
//	                             command (FailingReleaseCommand) prints a
//	                             migration error and exits 1; default none
//
// The simulated cluster runs one-off jobs (the release phase's release and
// postdeploy commands) for DefaultJobDuration each, bounded by the job's
// deadline, and writes their output to the pipeline's log (Config.Logs).
//
// A crash-looping application's rollout fails once the rollout duration has
// passed, with reason `simulated crash loop: container "<process>"
// restarting (CrashLoopBackOff)`, and its restart count climbs from the
// moment it is applied.
package sim
