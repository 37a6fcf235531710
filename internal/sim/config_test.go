package sim

import (
	"reflect"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", env: nil, want: DefaultConfig()},
		{name: "durations", env: map[string]string{EnvBuildSeconds: "0", EnvRolloutSeconds: " 1.5 "},
			want: Config{BuildDuration: 0, RolloutDuration: 1500 * time.Millisecond, JobDuration: DefaultJobDuration}},
		{name: "fail all and crash all", env: map[string]string{EnvFailBuild: "all", EnvCrashLoop: "all"},
			want: Config{BuildDuration: 3 * time.Second, RolloutDuration: 4 * time.Second, JobDuration: DefaultJobDuration, FailBuilds: FailRules{All: true}, CrashLoop: CrashRules{All: true}}},
		{name: "rule lists", env: map[string]string{
			EnvFailBuild: "repo=acme/api, branch=feature/x ,",
			EnvCrashLoop: "api,0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"},
			want: Config{BuildDuration: 3 * time.Second, RolloutDuration: 4 * time.Second, JobDuration: DefaultJobDuration,
				FailBuilds: FailRules{Repositories: []string{"acme/api"}, Branches: []string{"feature/x"}},
				CrashLoop:  CrashRules{Applications: []string{"api", "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"}}}},
		{name: "release commands", env: map[string]string{EnvReleaseCommand: "all", EnvFailReleaseCommand: "repo=acme/api, repo=Acme/Shop"},
			want: Config{BuildDuration: 3 * time.Second, RolloutDuration: 4 * time.Second, JobDuration: DefaultJobDuration,
				ReleaseCommand: RepoRules{All: true}, FailReleaseCommand: RepoRules{Repositories: []string{"acme/api", "Acme/Shop"}}}},
		{name: "bad release command rule", env: map[string]string{EnvReleaseCommand: "branch=main"},
			wantErr: `sim: SLIPWAY_SIM_RELEASE_COMMAND: bad rule "branch=main": want all or repo=<owner>/<name>`},
		{name: "bad failing release command rule", env: map[string]string{EnvFailReleaseCommand: "repo=/api"},
			wantErr: `sim: SLIPWAY_SIM_FAIL_RELEASE_COMMAND: bad rule "repo=/api": want all or repo=<owner>/<name>`},
		{name: "negative seconds", env: map[string]string{EnvBuildSeconds: "-1"},
			wantErr: `sim: SLIPWAY_SIM_BUILD_SECONDS="-1": want a number of seconds from 0 to 3600`},
		{name: "not a number", env: map[string]string{EnvRolloutSeconds: "4s"},
			wantErr: `sim: SLIPWAY_SIM_ROLLOUT_SECONDS="4s": want a number of seconds from 0 to 3600`},
		{name: "too long", env: map[string]string{EnvRolloutSeconds: "3601"},
			wantErr: `sim: SLIPWAY_SIM_ROLLOUT_SECONDS="3601": want a number of seconds from 0 to 3600`},
		{name: "NaN", env: map[string]string{EnvBuildSeconds: "NaN"},
			wantErr: `sim: SLIPWAY_SIM_BUILD_SECONDS="NaN": want a number of seconds from 0 to 3600`},
		{name: "unknown fail rule", env: map[string]string{EnvFailBuild: "sometimes"},
			wantErr: `sim: SLIPWAY_SIM_FAIL_BUILD: bad rule "sometimes": want all, repo=<owner>/<name> or branch=<name>`},
		{name: "repo without owner", env: map[string]string{EnvFailBuild: "repo=api"},
			wantErr: `sim: SLIPWAY_SIM_FAIL_BUILD: bad rule "repo=api": want all, repo=<owner>/<name> or branch=<name>`},
		{name: "bad branch", env: map[string]string{EnvFailBuild: "branch=a..b"},
			wantErr: `sim: SLIPWAY_SIM_FAIL_BUILD: bad rule "branch=a..b": want all, repo=<owner>/<name> or branch=<name>`},
		{name: "bad crash entry", env: map[string]string{EnvCrashLoop: "My App"},
			wantErr: `sim: SLIPWAY_SIM_CRASH_LOOP: bad entry "My App": want all, an application id or an application slug`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseConfig = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(EnvBuildSeconds, "7")
	t.Setenv(EnvCrashLoop, "all")
	c, err := ConfigFromEnv()
	if err != nil || c.BuildDuration != 7*time.Second || !c.CrashLoop.All {
		t.Fatalf("ConfigFromEnv = %+v, %v", c, err)
	}
}

func TestCrashRulesMatch(t *testing.T) {
	const id = "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"
	for _, tc := range []struct {
		rules CrashRules
		name  string
		want  bool
	}{
		{CrashRules{}, "demo-api", false},
		{CrashRules{All: true}, "demo-api", true},
		{CrashRules{Applications: []string{id}}, "demo-api", true},
		{CrashRules{Applications: []string{"api"}}, "demo-api", true},
		{CrashRules{Applications: []string{"demo-api"}}, "demo-api", true},
		{CrashRules{Applications: []string{"pi"}}, "demo-api", false},
		{CrashRules{Applications: []string{"demo"}}, "demo-api", false},
	} {
		if got := tc.rules.Match(id, tc.name); got != tc.want {
			t.Errorf("%+v.Match(%q) = %v", tc.rules, tc.name, got)
		}
	}
}

func TestParseRouteConfig(t *testing.T) {
	env := map[string]string{EnvCertificateSeconds: "2.5", EnvFailCertificate: "bad.example.com, all"}
	got, err := ParseConfig(func(k string) string { return env[k] })
	if err != nil || got.CertificateDelay != 2500*time.Millisecond || !reflect.DeepEqual(got.FailCertificates, []string{"bad.example.com", "all"}) {
		t.Fatalf("ParseConfig = %+v, %v", got, err)
	}
	env[EnvFailCertificate] = "Bad Host"
	if _, err := ParseConfig(func(k string) string { return env[k] }); err == nil {
		t.Fatal("a bad host was accepted")
	}
}
