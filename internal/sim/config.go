package sim

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// The environment variables ConfigFromEnv reads.
const (
	EnvBuildSeconds   = "SLIPWAY_SIM_BUILD_SECONDS"
	EnvRolloutSeconds = "SLIPWAY_SIM_ROLLOUT_SECONDS"
	EnvFailBuild      = "SLIPWAY_SIM_FAIL_BUILD"
	EnvCrashLoop      = "SLIPWAY_SIM_CRASH_LOOP"
	// EnvReleaseCommand and EnvFailReleaseCommand say which images declare
	// a release process, and whose release command fails (job.go).
	EnvReleaseCommand     = "SLIPWAY_SIM_RELEASE_COMMAND"
	EnvFailReleaseCommand = "SLIPWAY_SIM_FAIL_RELEASE_COMMAND"
)

// Defaults of the simulated durations.
const (
	DefaultBuildDuration   = 3 * time.Second
	DefaultRolloutDuration = 4 * time.Second
	maxDuration            = time.Hour
)

// Config configures both simulators.
type Config struct {
	BuildDuration   time.Duration
	RolloutDuration time.Duration
	// FailBuilds says which builds fail.
	FailBuilds FailRules
	// CrashLoop says which applications crash-loop.
	CrashLoop CrashRules
	// Logs receives the simulators' log lines (nil: discarded).
	Logs LogSink
	// ReleaseCommand says which builds' Procfiles declare a release
	// process; FailReleaseCommand, whose release command exits 1 (those
	// declare one too). JobDuration is how long a one-off job runs.
	ReleaseCommand     RepoRules
	FailReleaseCommand RepoRules
	JobDuration        time.Duration
	// AppsDomain is the simulated ingress's apps domain ("":
	// platform.DefaultAppsDomain); CertificateDelay how long its
	// certificates take (0: issued at once); FailCertificates the hosts
	// ("all") whose certificate is never issued.
	AppsDomain       string
	CertificateDelay time.Duration
	FailCertificates []string
}

// DefaultConfig is a simulator that builds in 3 s, rolls out in 4 s and
// never fails.
func DefaultConfig() Config {
	return Config{BuildDuration: DefaultBuildDuration, RolloutDuration: DefaultRolloutDuration, JobDuration: DefaultJobDuration}
}

// ConfigFromEnv reads the simulators' configuration from the environment
// variables the package documentation lists; an unset variable keeps its
// default, a bad value is an error naming the variable.
func ConfigFromEnv() (Config, error) { return ParseConfig(os.Getenv) }

// ParseConfig is ConfigFromEnv over any variable lookup.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	var err error
	if c.BuildDuration, err = parseSeconds(EnvBuildSeconds, getenv(EnvBuildSeconds), c.BuildDuration); err != nil {
		return c, err
	}
	if c.RolloutDuration, err = parseSeconds(EnvRolloutSeconds, getenv(EnvRolloutSeconds), c.RolloutDuration); err != nil {
		return c, err
	}
	if c.FailBuilds, err = ParseFailRules(getenv(EnvFailBuild)); err != nil {
		return c, fmt.Errorf("sim: %s: %w", EnvFailBuild, err)
	}
	if c.CrashLoop, err = ParseCrashRules(getenv(EnvCrashLoop)); err != nil {
		return c, fmt.Errorf("sim: %s: %w", EnvCrashLoop, err)
	}
	if c.ReleaseCommand, err = ParseRepoRules(getenv(EnvReleaseCommand)); err != nil {
		return c, fmt.Errorf("sim: %s: %w", EnvReleaseCommand, err)
	}
	if c.FailReleaseCommand, err = ParseRepoRules(getenv(EnvFailReleaseCommand)); err != nil {
		return c, fmt.Errorf("sim: %s: %w", EnvFailReleaseCommand, err)
	}
	if c.CertificateDelay, err = parseSeconds(EnvCertificateSeconds, getenv(EnvCertificateSeconds), c.CertificateDelay); err != nil {
		return c, err
	}
	if c.FailCertificates, err = parseHostList(EnvFailCertificate, getenv(EnvFailCertificate)); err != nil {
		return c, err
	}
	return c, nil
}

func parseSeconds(name, value string, def time.Duration) (time.Duration, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return def, nil
	}
	secs, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(secs) || secs < 0 || secs > maxDuration.Seconds() {
		return 0, fmt.Errorf("sim: %s=%q: want a number of seconds from 0 to %d", name, value, int(maxDuration.Seconds()))
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// FailRules says which simulated builds fail. The zero value fails none.
type FailRules struct {
	All          bool
	Repositories []string // "owner/name", compared case-insensitively
	Branches     []string
}

// ParseFailRules reads a comma-separated list of "all", "repo=owner/name"
// and "branch=name" rules; "" is no rule.
func ParseFailRules(s string) (FailRules, error) {
	var r FailRules
	for _, item := range splitList(s) {
		key, value, _ := strings.Cut(item, "=")
		switch {
		case item == "all":
			r.All = true
		case key == "repo" && strings.Count(value, "/") == 1 && !strings.HasPrefix(value, "/") && !strings.HasSuffix(value, "/"):
			r.Repositories = append(r.Repositories, value)
		case key == "branch" && platform.ValidGitBranch(value) == "":
			r.Branches = append(r.Branches, value)
		default:
			return r, fmt.Errorf("bad rule %q: want all, repo=<owner>/<name> or branch=<name>", item)
		}
	}
	return r, nil
}

// Match returns why a build of repository at ref fails ("" when it does not).
func (r FailRules) Match(repository, ref string) string {
	if r.All {
		return "every build fails (" + EnvFailBuild + "=all)"
	}
	for _, repo := range r.Repositories {
		if strings.EqualFold(repo, repository) {
			return "builds of repository " + repository + " fail (" + EnvFailBuild + " repo=" + repo + ")"
		}
	}
	for _, b := range r.Branches {
		if b == ref {
			return "builds of branch " + ref + " fail (" + EnvFailBuild + " branch=" + b + ")"
		}
	}
	return ""
}

// CrashRules says which simulated applications crash-loop. The zero value
// crashes none.
type CrashRules struct {
	All bool
	// Applications are application ids or slugs.
	Applications []string
}

// ParseCrashRules reads "all" or a comma-separated list of application ids
// and slugs; "" is no rule.
func ParseCrashRules(s string) (CrashRules, error) {
	var r CrashRules
	for _, item := range splitList(s) {
		switch {
		case item == "all":
			r.All = true
		case platform.IsUUID(item) || platform.IsDNSLabel(item):
			r.Applications = append(r.Applications, item)
		default:
			return r, fmt.Errorf("bad entry %q: want all, an application id or an application slug", item)
		}
	}
	return r, nil
}

// Match reports whether the application crash-loops. name is the workload
// name "<project slug>-<application slug>": a slug rule matches it when it
// equals the name or ends the name after a '-' (so "api" matches the
// application "api" of any project, and also one whose slug ends in
// "-api"; use the id to be exact).
func (r CrashRules) Match(applicationID, name string) bool {
	if r.All {
		return true
	}
	for _, a := range r.Applications {
		if a == applicationID || a == name || strings.HasSuffix(name, "-"+a) {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var items []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
