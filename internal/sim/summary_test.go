package sim

import "testing"

func TestConfigString(t *testing.T) {
	fail, _ := ParseFailRules("repo=acme/web,branch=wip")
	crash, _ := ParseCrashRules("api")
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{DefaultConfig(), "build 3s, rollout 4s, failing builds: none, crash loops: none"},
		{Config{BuildDuration: 1e9, RolloutDuration: 0, FailBuilds: fail, CrashLoop: crash},
			"build 1s, rollout 0s, failing builds: repo=acme/web,branch=wip, crash loops: api"},
		{Config{FailBuilds: FailRules{All: true}, CrashLoop: CrashRules{All: true}}, "build 0s, rollout 0s, failing builds: all, crash loops: all"},
		{Config{ReleaseCommand: RepoRules{All: true}, FailReleaseCommand: RepoRules{Repositories: []string{"acme/db"}}},
			"build 0s, rollout 0s, failing builds: none, crash loops: none, release commands: all, failing release commands: repo=acme/db"},
		{Config{CertificateDelay: 3e9}, "build 0s, rollout 0s, failing builds: none, crash loops: none, certificates: 3s, failing certificates: none"},
		{Config{FailCertificates: []string{"www.example.com", "api.example.com"}},
			"build 0s, rollout 0s, failing builds: none, crash loops: none, certificates: 0s, failing certificates: www.example.com,api.example.com"},
		{Config{FailCertificates: []string{"all"}}, "build 0s, rollout 0s, failing builds: none, crash loops: none, certificates: 0s, failing certificates: all"},
	} {
		if got := tc.cfg.String(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
