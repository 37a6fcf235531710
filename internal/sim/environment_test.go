package sim

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

func runtimeLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "runtime ") {
			out = append(out, l)
		}
	}
	return out
}

// TestClusterLogsEnvironmentNames: every instance a state starts writes the
// names of the variables it starts with (config vars, PORT for web), never
// a value; a scale-up starts only the added instances, a new release all.
func TestClusterLogsEnvironmentNames(t *testing.T) {
	ctx := context.Background()
	logs := &recordedLogs{}
	c := NewCluster(Config{RolloutDuration: time.Second, Logs: logs}, newClock().Now)
	w := workload(map[string]int{"web": 2, "worker": 1})
	w.ConfigVersion = 2
	w.Env = pipeline.NewEnv(map[string]string{"DATABASE_URL": "postgres://u:hunter2@db/app", "API_KEY": "sk-live-123"})
	must(t, c.Apply(ctx, w))
	want := []string{
		"runtime v1 web web.1: starting web with environment: API_KEY, DATABASE_URL, PORT",
		"runtime v1 web web.2: starting web with environment: API_KEY, DATABASE_URL, PORT",
		"runtime v1 worker worker.1: starting worker with environment: API_KEY, DATABASE_URL",
	}
	first := logs.take()
	if got := runtimeLines(first); !slices.Equal(got, want) {
		t.Fatalf("lines %q\nwant %q", got, want)
	}
	for _, l := range first {
		if strings.Contains(l, "hunter2") || strings.Contains(l, "sk-live") {
			t.Fatalf("a value in a line: %s", l)
		}
	}

	must(t, c.Apply(ctx, w)) // the same workload: nothing starts
	if got := logs.take(); len(got) != 0 {
		t.Fatalf("a re-apply wrote %q", got)
	}

	// Scale's workload carries no Env: the applied release's names stay.
	up := workload(map[string]int{"web": 3, "worker": 1})
	up.ConfigVersion = 2
	must(t, c.Scale(ctx, up))
	if got, want := runtimeLines(logs.take()), []string{"runtime v1 web web.3: starting web with environment: API_KEY, DATABASE_URL, PORT"}; !slices.Equal(got, want) {
		t.Fatalf("scale-up lines %q, want %q", got, want)
	}

	next := workload(map[string]int{"web": 1})
	next.ReleaseVersion, next.ConfigVersion = 2, 3
	next.Env = pipeline.NewEnv(map[string]string{"LOG_LEVEL": "debug"})
	must(t, c.Apply(ctx, next))
	if got, want := runtimeLines(logs.take()), []string{"runtime v2 web web.1: starting web with environment: LOG_LEVEL, PORT"}; !slices.Equal(got, want) {
		t.Fatalf("new release lines %q, want %q", got, want)
	}
}

// TestFingerprintHidesValues: the simulator's change detection prints the
// workload, and that print holds no config value.
func TestFingerprintHidesValues(t *testing.T) {
	w := workload(map[string]int{"web": 1})
	w.Env = pipeline.NewEnv(map[string]string{"API_KEY": "sk-live-123"})
	if fp := fingerprint(w); strings.Contains(fp, "sk-live") || strings.Contains(fp, "API_KEY") {
		t.Fatalf("fingerprint %s", fp)
	}
	other := w
	other.ConfigVersion = 9
	if fingerprint(other) == fingerprint(w) {
		t.Fatal("a different config version has the same fingerprint")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestBuilderLogsBuildConfigNames: the simulated build names its build
// arguments and secret ids, never their values.
func TestBuilderLogsBuildConfigNames(t *testing.T) {
	logs := &recordedLogs{}
	b := NewBuilder(Config{BuildDuration: time.Second, Logs: logs}, newClock().Now)
	req := pipeline.BuildRequest{ApplicationID: appID, ImageID: "img-1", Repository: "acme/shop", Ref: "main", ImageTag: "t",
		Config: pipeline.BuildConfig{ConfigVersion: 4,
			Args:    pipeline.NewEnv(map[string]string{"NODE_ENV": "production", "ASSET_HOST": "cdn.example"}),
			Secrets: pipeline.NewEnv(map[string]string{"NPM_TOKEN": "npm_s3cr3t"})}}
	if _, err := b.StartBuild(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	got := logs.take()
	want := "Config v4: build arguments: ASSET_HOST, NODE_ENV; build secrets: NPM_TOKEN"
	if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "img-1 build ") && strings.HasSuffix(l, " "+want) }) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	for _, l := range got {
		if strings.Contains(l, "npm_s3cr3t") || strings.Contains(l, "production") {
			t.Fatalf("a value in %q", l)
		}
	}
	req.ImageID, req.Config = "img-2", pipeline.BuildConfig{}
	if _, err := b.StartBuild(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := logs.take(); len(got) != 1 {
		t.Fatalf("a build without config vars wrote %q", got)
	}
}

// TestJobLogsEnvironmentNames: a release command starts with the
// release's config, and its log names the variables, never a value.
func TestJobLogsEnvironmentNames(t *testing.T) {
	c := NewCluster(Config{Logs: &recordedLogs{}}, newClock().Now)
	w := workload(nil)
	w.PipelineID, w.ConfigVersion = "p1", 2
	w.Processes["release"] = ReleaseCommand
	w.Env = pipeline.NewEnv(map[string]string{"DATABASE_URL": "postgres://u:hunter2@db/app"})
	j := pipeline.Job{Workload: w, Process: "release", DeadlineSeconds: 60}
	must(t, c.RunJob(context.Background(), j))
	got, err := c.JobLogs(context.Background(), j, 0)
	must(t, err)
	if !slices.ContainsFunc(got, func(l string) bool {
		return l == "starting release with environment: DATABASE_URL"
	}) {
		t.Fatalf("lines %q", got)
	}
	for _, l := range got {
		if strings.Contains(l, "hunter2") {
			t.Fatalf("a value in %q", l)
		}
	}
}
