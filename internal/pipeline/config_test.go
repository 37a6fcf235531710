package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// configHarness is an ops harness whose pipeline opens configs, and a
// config service to change them.
func configHarness(t *testing.T, g *gate) (*harness, platform.ConfigService) {
	t.Helper()
	h := opsHarness(t, g)
	envelope := platform.Envelope{Keys: platform.LocalDataKeys{Master: bytes.Repeat([]byte{7}, 32)}}
	opener := &pipeline.ConfigOpener{Store: h.env.Store, Unsealer: envelope}
	h.steps.Config, h.launcher.Config = opener, opener
	svc := platform.ConfigService{Store: h.env.Store, Sealer: envelope, Fingerprints: platform.Fingerprinter{Key: bytes.Repeat([]byte{9}, 32)}, Now: h.clock.Now}
	return h, svc
}

func (h *harness) patchConfig(svc platform.ConfigService, p platform.ConfigPatch) platform.Config {
	h.t.Helper()
	cur, err := h.env.Store.CurrentConfig(context.Background(), h.app.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	app, err := h.env.Store.GetApplication(context.Background(), h.app.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	next, err := svc.Patch(context.Background(), app, cur, -1, p, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return next
}

func plain(v string) *platform.ConfigVarInput {
	return &platform.ConfigVarInput{Value: v, Scope: platform.ScopeRuntime}
}
func secret(v string, scope platform.ConfigScope) *platform.ConfigVarInput {
	return &platform.ConfigVarInput{Value: v, Secret: true, Scope: scope}
}

// The values no print of a workload or build request may show.
var configValues = []string{"postgres://u:hunter2@db/v1", "postgres://u:hunter3@db/v2", "sk-live-0001", "npm_s3cr3t", "production-args"}

// assertHidden fails when any way of printing v shows a config value.
func assertHidden(t *testing.T, what string, v any) {
	t.Helper()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "v", v)
	jsonText, _ := json.Marshal(v)
	for _, printed := range []string{fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v),
		fmt.Sprintf("%x", v), fmt.Sprintf("%q", v), logged.String(), string(jsonText)} {
		for _, value := range configValues {
			if strings.Contains(printed, value) || strings.Contains(printed, fmt.Sprintf("%x", value)) {
				t.Fatalf("%s: printing shows %q: %s", what, value, printed)
			}
		}
	}
}

func env(t *testing.T, w pipeline.Workload, name string) string {
	t.Helper()
	v, ok := w.Env.Value(name)
	if !ok {
		t.Fatalf("release v%d (config v%d) has no %s: %v", w.ReleaseVersion, w.ConfigVersion, name, w.Env)
	}
	return v
}

// TestReleasesPinConfig: a Full Deploy takes the current config version; a
// PATCH while the release is in flight lands as a new version, restarts
// nothing and leaves the release alone; the next release takes the new
// version; a rollback restores the old release's config exactly. Builds
// get the build-scope vars; no print of what the pipeline hands the
// builder and cluster shows a value.
func TestReleasesPinConfig(t *testing.T) {
	g := newGate(pipeline.StepDeploy)
	h, svc := configHarness(t, g)
	ctx := context.Background()
	h.patchConfig(svc, platform.ConfigPatch{
		"DATABASE_URL": plain("postgres://u:hunter2@db/v1"),
		"API_KEY":      secret("sk-live-0001", platform.ScopeBoth),
		"NPM_TOKEN":    secret("npm_s3cr3t", platform.ScopeBuild),
		"NODE_ENV":     {Value: "production-args", Scope: platform.ScopeBuild},
	})
	if _, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow); err != nil {
		t.Fatal(err)
	}
	<-g.reached // the release exists, its deploy has not run
	applies := h.cluster.Applies
	v2 := h.patchConfig(svc, platform.ConfigPatch{"DATABASE_URL": plain("postgres://u:hunter3@db/v2")})
	if v2.Version != 2 || h.cluster.Applies != applies {
		t.Fatalf("PATCH in flight: version %d, applies %d → %d", v2.Version, applies, h.cluster.Applies)
	}
	close(g.release)
	h.runner.Wait()

	app := h.app0()
	if app.ServingRelease == nil || app.ServingRelease.Version != 1 || app.ServingRelease.ConfigVersion != 1 || app.ConfigVersion != 2 {
		t.Fatalf("serving %+v, config v%d", app.ServingRelease, app.ConfigVersion)
	}
	w1 := h.cluster.Applied
	if w1.ConfigVersion != 1 || env(t, w1, "DATABASE_URL") != "postgres://u:hunter2@db/v1" || env(t, w1, "API_KEY") != "sk-live-0001" {
		t.Fatalf("release v1 got config v%d %v", w1.ConfigVersion, w1.Env)
	}
	if _, ok := w1.Env.Value("NPM_TOKEN"); ok || w1.Env.Len() != 2 {
		t.Fatalf("runtime env %v holds build-only vars", w1.Env)
	}
	build := h.builder.Requests[0].Config
	if build.ConfigVersion != 1 || build.Args.Len() != 1 || build.Secrets.Len() != 2 {
		t.Fatalf("build config %v", build)
	}
	if v, _ := build.Secrets.Value("NPM_TOKEN"); v != "npm_s3cr3t" {
		t.Fatal("the build did not get its secret")
	}
	if v, _ := build.Args.Value("NODE_ENV"); v != "production-args" {
		t.Fatal("the build did not get its argument")
	}
	assertHidden(t, "build request", h.builder.Requests[0])

	// POST …/releases takes the current config version.
	if _, err := h.launcher.Release(ctx, h.app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow); err != nil {
		t.Fatal(err)
	}
	h.runner.Wait()
	w2 := h.cluster.Applied
	if w2.ReleaseVersion != 2 || w2.ConfigVersion != 2 || env(t, w2, "DATABASE_URL") != "postgres://u:hunter3@db/v2" || env(t, w2, "API_KEY") != "sk-live-0001" {
		t.Fatalf("release v%d got config v%d %v", w2.ReleaseVersion, w2.ConfigVersion, w2.Env)
	}

	// A rollback to v1 restores v1's config, though v2 is current.
	if _, err := h.launcher.Rollback(ctx, h.app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow); err != nil {
		t.Fatal(err)
	}
	h.runner.Wait()
	w3 := h.cluster.Applied
	if w3.ReleaseVersion != 3 || w3.ConfigVersion != 1 || env(t, w3, "DATABASE_URL") != "postgres://u:hunter2@db/v1" {
		t.Fatalf("rollback release v%d got config v%d %v", w3.ReleaseVersion, w3.ConfigVersion, w3.Env)
	}
	if rel := h.app0().LatestRelease; rel.ConfigVersion != 1 || rel.RollbackOf == nil || *rel.RollbackOf != 1 {
		t.Fatalf("rollback release %+v", rel)
	}
	for _, w := range h.cluster.History {
		assertHidden(t, fmt.Sprintf("workload of release v%d", w.ReleaseVersion), w)
	}
}

// TestDeployWithoutOpenerFailsClosed: a build or release of an application
// with config vars never starts without them where the pipeline cannot
// open configs.
func TestDeployWithoutOpenerFailsClosed(t *testing.T) {
	h, svc := configHarness(t, nil)
	h.steps.Config, h.launcher.Config = nil, nil
	h.patchConfig(svc, platform.ConfigPatch{"DATABASE_URL": plain("postgres://u:hunter2@db/v1")})
	app, _ := h.deploy() // the build needs the build-scope config: it fails first
	img := app.LatestImage
	if h.cluster.Applies != 0 || len(h.builder.Requests) != 0 || img == nil || img.Status != platform.StatusError {
		t.Fatalf("applies %d, builds %d, image %+v", h.cluster.Applies, len(h.builder.Requests), img)
	}
	if img.ErrorDetail == nil || !strings.Contains(*img.ErrorDetail, "cannot read configs") {
		t.Fatalf("failure %v", img.ErrorDetail)
	}
}

// TestEnvPrintsNamesOnly covers every way the Env type is printed.
func TestEnvPrintsNamesOnly(t *testing.T) {
	e := pipeline.NewEnv(map[string]string{"B": "sk-live-0001", "A": "npm_s3cr3t"})
	assertHidden(t, "env", e)
	assertHidden(t, "env pointer", &e)
	if got := e.String(); got != "Env{A, B}" {
		t.Fatalf("String = %q", got)
	}
	if got, _ := json.Marshal(e); string(got) != `["A","B"]` {
		t.Fatalf("JSON = %s", got)
	}
	if pipeline.NewEnv(nil).Len() != 0 || pipeline.NewEnv(nil).String() != "Env{}" {
		t.Fatal("empty env")
	}
}

// countingReader counts the config reads (DynamoDB GetItem each).
type countingReader struct {
	pipeline.ConfigReader
	reads int
}

func (c *countingReader) GetConfig(ctx context.Context, appID string, v int64) (platform.Config, error) {
	c.reads++
	return c.ConfigReader.GetConfig(ctx, appID, v)
}

// countingKeys counts the key service's unwraps (KMS Decrypt calls).
type countingKeys struct {
	platform.LocalDataKeys
	opens int
}

func (k *countingKeys) OpenDataKey(ctx context.Context, appID string, wrapped []byte) ([]byte, error) {
	k.opens++
	return k.LocalDataKeys.OpenDataKey(ctx, appID, wrapped)
}

// TestDeliveryCosts pins the figures of docs/performance.md: a Full Deploy
// reads its config twice (the build's and the release's version: one
// GetItem each) and makes one key-service call per distinct data key among
// the secrets it opens, whatever the number of vars. A data key is made
// per PATCH that sets secrets, so the calls grow with the PATCHes that
// wrote the live secrets, not with the vars.
func TestDeliveryCosts(t *testing.T) {
	for _, tc := range []struct {
		name        string
		vars        int
		patches     int // each sets the secrets it names anew
		wantReads   int
		wantDecrypt int
	}{
		{"10 vars, one PATCH", 10, 1, 2, 2},
		{"500 vars, one PATCH", 500, 1, 2, 2},
		{"10 vars, secrets set by 3 PATCHes", 10, 3, 2, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, svc := configHarness(t, nil)
			keys := &countingKeys{LocalDataKeys: platform.LocalDataKeys{Master: bytes.Repeat([]byte{7}, 32)}}
			reader := &countingReader{ConfigReader: h.env.Store}
			h.steps.Config = &pipeline.ConfigOpener{Store: reader, Unsealer: platform.Envelope{Keys: keys}}
			for p := range tc.patches {
				patch := platform.ConfigPatch{}
				for i := range tc.vars {
					if i%tc.patches == p {
						patch[fmt.Sprintf("V%03d", i)] = secret(fmt.Sprintf("value-%d", i), platform.ScopeBoth)
					}
				}
				h.patchConfig(svc, patch)
			}
			h.deploy()
			if h.cluster.Applied.Env.Len() != tc.vars || reader.reads != tc.wantReads || keys.opens != tc.wantDecrypt {
				t.Fatalf("%d vars delivered; %d config reads, %d key unwraps; want %d, %d", h.cluster.Applied.Env.Len(), reader.reads, keys.opens, tc.wantReads, tc.wantDecrypt)
			}
		})
	}
}
