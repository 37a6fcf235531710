package platform

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Patch is one member of a JSON merge patch: absent (the zero Patch), null,
// or a value.
type Patch[T any] struct {
	Present bool
	Null    bool
	Value   T
}

// SettingsPatch is a merge patch over the nine settings of an application.
type SettingsPatch struct {
	GithubRepository          Patch[string]
	GithubRepositoryIsPrivate Patch[bool]
	AutoDeployBranch          Patch[string]
	Subdirectory              Patch[string]
	GithubEnvironmentName     Patch[string]
	HealthCheckHost           Patch[string]
	GithubAppInstallationID   Patch[int64]
	DeploymentTimeout         Patch[int]
	HealthCheckPath           Patch[string]
	AutoDeployPaused          Patch[bool]
}

// SettingsFields lists the JSON names of the settings a patch may carry.
var SettingsFields = []string{
	"github_repository", "github_repository_is_private", "auto_deploy_branch", "subdirectory",
	"github_environment_name", "health_check_host", "github_app_installation_id",
	"deployment_timeout", "health_check_path", "auto_deploy_paused",
}

// Deployment timeout bounds, in seconds.
const (
	MinDeploymentTimeout = 30
	MaxDeploymentTimeout = 3600
)

// Apply validates the patch and, when every member is valid, applies it to s.
// On a validation error s is left unchanged.
func (p SettingsPatch) Apply(s *Settings) error {
	var v Violations
	next := *s
	applyString(&v, "github_repository", p.GithubRepository, &next.GithubRepository, func(x string) string {
		if !IsGitHubRepository(x) {
			return "must be owner/repository (^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$)"
		}
		return ""
	})
	applyString(&v, "auto_deploy_branch", p.AutoDeployBranch, &next.AutoDeployBranch, ValidGitBranch)
	applyString(&v, "subdirectory", p.Subdirectory, &next.Subdirectory, validSubdirectory)
	applyString(&v, "github_environment_name", p.GithubEnvironmentName, &next.GithubEnvironmentName, func(x string) string {
		if n := utf8.RuneCountInString(x); n < 1 || n > 255 {
			return "must be 1 to 255 characters"
		}
		return ""
	})
	applyString(&v, "health_check_host", p.HealthCheckHost, &next.HealthCheckHost, validHostname)
	if f := p.GithubRepositoryIsPrivate; f.Present {
		if f.Null {
			v.Add("github_repository_is_private", "must not be null")
		} else {
			next.GithubRepositoryIsPrivate = f.Value
		}
	}
	if f := p.AutoDeployPaused; f.Present {
		if f.Null {
			v.Add("auto_deploy_paused", "must not be null")
		} else {
			next.AutoDeployPaused = f.Value
		}
	}
	if f := p.GithubAppInstallationID; f.Present {
		switch {
		case f.Null:
			next.GithubAppInstallationID = nil
		case f.Value <= 0:
			v.Add("github_app_installation_id", "must be a positive integer")
		default:
			id := f.Value
			next.GithubAppInstallationID = &id
		}
	}
	if f := p.DeploymentTimeout; f.Present {
		switch {
		case f.Null:
			next.DeploymentTimeout = nil
		case f.Value < MinDeploymentTimeout || f.Value > MaxDeploymentTimeout:
			v.Add("deployment_timeout", fmt.Sprintf("must be between %d and %d seconds", MinDeploymentTimeout, MaxDeploymentTimeout))
		default:
			t := f.Value
			next.DeploymentTimeout = &t
		}
	}
	if f := p.HealthCheckPath; f.Present {
		if f.Null {
			v.Add("health_check_path", "must not be null")
		} else if msg := validHealthCheckPath(f.Value); msg != "" {
			v.Add("health_check_path", msg)
		} else {
			next.HealthCheckPath = f.Value
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	*s = next
	return nil
}

func applyString(v *Violations, field string, p Patch[string], dst **string, check func(string) string) {
	if !p.Present {
		return
	}
	if p.Null {
		*dst = nil
		return
	}
	if msg := check(p.Value); msg != "" {
		v.Add(field, msg)
		return
	}
	val := p.Value
	*dst = &val
}

// EffectiveDeploymentTimeout is the rollout deadline in seconds.
func (s Settings) EffectiveDeploymentTimeout() int {
	if s.DeploymentTimeout != nil {
		return *s.DeploymentTimeout
	}
	return DefaultDeploymentTimeout
}

// ScaleRequest merges new replica counts and pod classes into an
// application's process maps. Either map may be nil or partial.
type ScaleRequest struct {
	ProcessCounts     map[string]int
	ProcessPodClasses map[string]string
}

// Apply validates the request against the application and merges it in.
// Once a release exists only its processes may be scaled, except that a
// stale process (one the application still lists but the release lacks)
// may be set to 0, which removes it. On a validation error the application
// is left unchanged.
func (r ScaleRequest) Apply(a *Application) error {
	var v Violations
	var removed []string
	known := func(field, name string) bool {
		if !checkProcessName(&v, field, name) {
			return false
		}
		if rel := a.LatestRelease; rel != nil {
			if _, ok := rel.Processes[name]; !ok {
				v.Add(field, fmt.Sprintf("unknown process %q: release v%d has processes %v", name, rel.Version, sortedKeys(rel.Processes)))
				return false
			}
		}
		return true
	}
	for _, name := range sortedKeys(r.ProcessCounts) {
		field := "process_counts." + name
		if r.ProcessCounts[name] == 0 && a.isStaleProcess(name) {
			removed = append(removed, name)
			continue
		}
		if !known(field, name) {
			continue
		}
		if r.ProcessCounts[name] != 0 && IsReleasePhaseProcess(name) {
			v.Add(field, fmt.Sprintf("%q runs once per release as a one-off job, never as scaled replicas: its count must be 0", name))
			continue
		}
		if n := r.ProcessCounts[name]; n < 0 || n > MaxProcessCount {
			v.Add(field, fmt.Sprintf("must be an integer from 0 to %d", MaxProcessCount))
		}
	}
	for _, name := range sortedKeys(r.ProcessPodClasses) {
		field := "process_pod_classes." + name
		if !known(field, name) {
			continue
		}
		if _, ok := LookupPodClass(r.ProcessPodClasses[name]); !ok {
			v.Add(field, fmt.Sprintf("must be one of %v", PodClassNames()))
		}
	}
	counts := merged(a.ProcessCounts, r.ProcessCounts)
	classes := merged(a.ProcessPodClasses, r.ProcessPodClasses)
	for _, name := range removed {
		delete(counts, name)
		delete(classes, name)
	}
	if len(counts) > MaxProcesses || len(classes) > MaxProcesses {
		v.Add("process_counts", fmt.Sprintf("an application may have at most %d processes", MaxProcesses))
	}
	if err := v.Err(); err != nil {
		return err
	}
	a.ProcessCounts, a.ProcessPodClasses = counts, classes
	return nil
}

// isStaleProcess reports whether the application lists a process its
// latest release does not have (scaled before that release existed).
func (a *Application) isStaleProcess(name string) bool {
	if a.LatestRelease == nil {
		return false
	}
	if _, ok := a.LatestRelease.Processes[name]; ok {
		return false
	}
	_, counted := a.ProcessCounts[name]
	_, classed := a.ProcessPodClasses[name]
	return counted || classed
}

// PruneStaleProcesses drops from the application's process maps every
// process its latest release does not have, as cabotage does at a
// successful deploy: a scale set before a release existed, or for a
// process a newer image no longer declares, does not linger.
func (a *Application) PruneStaleProcesses() {
	if rel := a.LatestRelease; rel != nil {
		a.ProcessCounts = only(a.ProcessCounts, rel.Processes)
		a.ProcessPodClasses = only(a.ProcessPodClasses, rel.Processes)
	}
}

// only returns a copy of m with the keys that are also in keep.
func only[V any](m map[string]V, keep map[string]string) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		if _, ok := keep[k]; ok {
			out[k] = v
		}
	}
	return out
}

func merged[V any](base, update map[string]V) map[string]V {
	out := make(map[string]V, len(base)+len(update))
	for k, val := range base {
		out[k] = val
	}
	for k, val := range update {
		out[k] = val
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
