package main

import "runtime/debug"

// versionOf is the version slipway reports: the one set at link time,
// else the module version `go install …@v1.2.0` records, else the commit
// a build from a checkout records ("dev+1a2b3c4d5e6f", "-dirty" when the
// tree had changes), else "dev".
func versionOf(linked string, info *debug.BuildInfo) string {
	if linked != "" && linked != "dev" {
		return linked
	}
	if info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "dev"
	}
	return "dev+" + rev + dirty
}

// buildVersion is versionOf this binary.
func buildVersion() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(version, info)
}
