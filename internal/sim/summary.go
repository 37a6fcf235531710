package sim

import (
	"fmt"
	"strings"
)

// String summarizes the configuration in one line, for the local system's
// banner: "build 3s, rollout 4s, failing builds: none, crash loops: none"
// (then the release command rules and the certificate settings, when
// they are not the defaults).
func (c Config) String() string {
	s := fmt.Sprintf("build %s, rollout %s, failing builds: %s, crash loops: %s",
		c.BuildDuration, c.RolloutDuration, c.FailBuilds.summary(), c.CrashLoop.summary())
	if c.ReleaseCommand.summary() != "none" || c.FailReleaseCommand.summary() != "none" {
		s += fmt.Sprintf(", release commands: %s, failing release commands: %s", c.ReleaseCommand.summary(), c.FailReleaseCommand.summary())
	}
	if c.CertificateDelay > 0 || len(c.FailCertificates) > 0 {
		s += fmt.Sprintf(", certificates: %s, failing certificates: %s", c.CertificateDelay, orNone(c.FailCertificates))
	}
	return s
}

func (r RepoRules) summary() string {
	if r.All {
		return "all"
	}
	return orNone(repoRules(r.Repositories))
}

func (r FailRules) summary() string {
	if r.All {
		return "all"
	}
	rules := repoRules(r.Repositories)
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

// repoRules are the repo= rules of repositories.
func repoRules(repositories []string) []string {
	var rules []string
	for _, repo := range repositories {
		rules = append(rules, "repo="+repo)
	}
	return rules
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ",")
}
