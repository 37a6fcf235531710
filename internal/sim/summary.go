package sim

import (
	"fmt"
	"strings"
)

// String summarizes the configuration in one line, for the local system's
// banner: "build 3s, rollout 4s, failing builds: none, crash loops: none".
func (c Config) String() string {
	return fmt.Sprintf("build %s, rollout %s, failing builds: %s, crash loops: %s",
		c.BuildDuration, c.RolloutDuration, c.FailBuilds.summary(), c.CrashLoop.summary())
}

func (r FailRules) summary() string {
	if r.All {
		return "all"
	}
	var rules []string
	for _, repo := range r.Repositories {
		rules = append(rules, "repo="+repo)
	}
	for _, b := range r.Branches {
		rules = append(rules, "branch="+b)
	}
	return orNone(rules)
}

func (r CrashRules) summary() string {
	if r.All {
		return "all"
	}
	return orNone(r.Applications)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ",")
}
