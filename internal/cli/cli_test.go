package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
)

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want []string
		err  string
	}{
		{"demo/demo/web", 3, []string{"demo", "demo", "web"}, ""},
		{"acme/shop", 2, []string{"acme", "shop"}, ""},
		{"demo/demo", 3, nil, "want ORG/PROJECT/APP"},
		{"demo/demo/web/x", 3, nil, "want ORG/PROJECT/APP"},
		{"demo//web", 3, nil, `PROJECT "" is not a slug`},
		{"Demo/demo/web", 3, nil, `ORG "Demo" is not a slug`},
		{"demo/demo/-web", 3, nil, `APP "-web" is not a slug`},
		{"demo/demo/" + strings.Repeat("a", 64), 3, nil, "is not a slug"},
	} {
		got, err := parseRef(tc.in, tc.n)
		if tc.err != "" {
			var u *UsageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseRef(%q): %v, want a usage error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseRef(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseScale(t *testing.T) {
	counts := func(m map[string]int) *apiclient.ProcessCounts { c := apiclient.ProcessCounts(m); return &c }
	classes := func(m map[string]apiclient.PodClass) *apiclient.ProcessPodClasses {
		c := apiclient.ProcessPodClasses(m)
		return &c
	}
	for _, tc := range []struct {
		in   []string
		want apiclient.ScaleRequest
		err  string
	}{
		{[]string{"web=2"}, apiclient.ScaleRequest{ProcessCounts: counts(map[string]int{"web": 2})}, ""},
		{[]string{"web=2:c1.medium", "worker=0"}, apiclient.ScaleRequest{
			ProcessCounts:     counts(map[string]int{"web": 2, "worker": 0}),
			ProcessPodClasses: classes(map[string]apiclient.PodClass{"web": "c1.medium"}),
		}, ""},
		{[]string{"web=:r1.large"}, apiclient.ScaleRequest{ProcessPodClasses: classes(map[string]apiclient.PodClass{"web": "r1.large"})}, ""},
		{[]string{"web"}, apiclient.ScaleRequest{}, "want PROCESS=N"},
		{[]string{"=2"}, apiclient.ScaleRequest{}, "want PROCESS=N"},
		{[]string{"web=two"}, apiclient.ScaleRequest{}, `count "two"`},
		{[]string{"web=-1"}, apiclient.ScaleRequest{}, `count "-1"`},
		{[]string{"web=1:"}, apiclient.ScaleRequest{}, "empty pod class"},
	} {
		got, err := parseScale(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseScale(%v): %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseScale(%v) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSettings(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  string
	}{
		{[]string{"github_repository=acme/web", "auto_deploy_branch=main"}, `{"auto_deploy_branch":"main","github_repository":"acme/web"}`, ""},
		{[]string{"deployment_timeout=300", "github_repository_is_private=true"}, `{"deployment_timeout":300,"github_repository_is_private":true}`, ""},
		{[]string{"health_check_path=/up"}, `{"health_check_path":"/up"}`, ""},
		{[]string{"colour=blue"}, "", `unknown setting "colour"`},
		{[]string{"colour=null"}, "", `unknown setting "colour"`},
		{[]string{"deployment_timeout=soon"}, "", "deployment_timeout has the wrong type: want a whole number"},
		{[]string{"auto_deploy_paused=maybe"}, "", "auto_deploy_paused has the wrong type: want true or false"},
		{[]string{"github_app_installation_id=acme"}, "", "github_app_installation_id has the wrong type: want a whole number"},
		{[]string{"auto_deploy_paused=1"}, "", "auto_deploy_paused has the wrong type: want true or false"},
		// Digits and true/false are strings where the field is one.
		{[]string{"auto_deploy_branch=2024"}, `{"auto_deploy_branch":"2024"}`, ""},
		{[]string{"auto_deploy_branch=true", "subdirectory=123"}, `{"auto_deploy_branch":"true","subdirectory":"123"}`, ""},
		// null is JSON null, which clears a field, for every field: the
		// API names a field that cannot be cleared.
		{[]string{"subdirectory=null", "health_check_host=null", "deployment_timeout=null"}, `{"deployment_timeout":null,"health_check_host":null,"subdirectory":null}`, ""},
		{[]string{"health_check_path=null"}, `{"health_check_path":null}`, ""},
		// The last of a repeated key wins.
		{[]string{"subdirectory=web", "subdirectory=null"}, `{"subdirectory":null}`, ""},
		{[]string{"noequals"}, "", "want KEY=VALUE"},
	} {
		got, err := parseSettings(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseSettings(%v): %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("parseSettings(%v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	f := func(vs ...float64) []*float64 {
		out := make([]*float64, len(vs))
		for i, v := range vs {
			if v >= 0 {
				v := v
				out[i] = &v
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		values []*float64
		width  int
		want   string
	}{
		{"ramp", f(0, 1, 2, 3, 4, 5, 6, 7), 0, "▁▂▃▄▅▆▇█"},
		{"gaps are spaces", f(1, -1, 3), 0, "▁ █"},
		{"flat non-zero", f(5, 5), 0, "▅▅"},
		{"flat zero", f(0, 0, 0), 0, "▁▁▁"},
		{"all missing", f(-1, -1), 0, "  "},
		{"averaged into columns", f(0, 0, 7, 7), 2, "▁█"},
		{"a column with no data", f(-1, -1, 1, 3), 2, " ▅"},
		{"empty", nil, 10, ""},
	} {
		if got := sparkline(tc.values, tc.width); got != tc.want {
			t.Errorf("%s: sparkline = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHistoryLineMarksFailures(t *testing.T) {
	h := []apiclient.StageHistoryEntry{{Ok: true, Secs: 1}, {Ok: false}, {Ok: true, Secs: 8}}
	if got := historyLine(h); got != "▁✗█" {
		t.Errorf("historyLine = %q", got)
	}
	if got := historyLine(nil); got != "-" {
		t.Errorf("historyLine(nil) = %q", got)
	}
}

func TestAPIErrorIsOneLine(t *testing.T) {
	detail := "the request is invalid"
	fields := []apiclient.FieldError{{Field: "slug", Message: "must match ^[a-z]$"}, {Field: "name", Message: "is required"}}
	for _, tc := range []struct {
		err  *APIError
		want string
	}{
		{&APIError{Status: 422, Problem: apiclient.Problem{Code: "validation_failed", Detail: &detail, Errors: &fields}},
			"validation failed: the request is invalid (slug: must match ^[a-z]$; name: is required)"},
		{&APIError{Status: 401, Problem: apiclient.Problem{Code: "unauthorized", Title: "Unauthorized"}}, "unauthorized: unauthorized"},
		{&APIError{Status: 409, Problem: apiclient.Problem{Code: "conflict", Detail: ptr("a pipeline is running"),
			AdditionalProperties: map[string]any{"image_id": "0193"}}}, "conflict: a pipeline is running [image_id 0193]"},
		{&APIError{Status: 502, Problem: apiclient.Problem{Status: 502, Title: "Bad Gateway"}}, "HTTP 502: bad gateway"},
	} {
		if got := tc.err.Error(); got != tc.want || strings.Contains(got, "\n") {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{usagef("bad"), ExitUsage},
		{fmt.Errorf("wrapped: %w", usagef("bad")), ExitUsage},
		{&APIError{Status: 404}, ExitNotFound},
		{&APIError{Status: 401}, ExitNotFound},
		{&APIError{Status: 403}, ExitNotFound},
		{&APIError{Status: 409}, ExitFailed},
		{&APIError{Status: 500}, ExitFailed},
		{&UnreachableError{URL: "http://x", Err: errors.New("refused")}, ExitUnreachable},
		{&notLoggedInError{profile: "default", missing: "token"}, ExitNotFound},
		{&FailedError{Msg: "build failed"}, ExitFailed},
		{&interruptedError{msg: "stopped"}, ExitInterrupted},
		{errors.New("anything else"), ExitFailed},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 1400 * time.Millisecond: "1s", 59 * time.Second: "59s",
		3*time.Minute + 12*time.Second: "3m12s", 2*time.Hour + 5*time.Minute: "2h05m", 75 * time.Hour: "3d3h",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// stage builds a Pipeline Status stage as the API sends it.
func stageOf(id uuid.UUID, version int, status, current string, started time.Time, detail *string) map[string]any {
	return map[string]any{"id": id, "version": version, "status": status, "error_detail": detail,
		"started": started, "updated": started.Add(time.Second), "progress": map[string]any{"steps": []string{"a", current}, "current": current}}
}

func TestDecide(t *testing.T) {
	ours, older := uuid.New(), uuid.New()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	boom := "build failed: boom"
	for _, tc := range []struct {
		name  string
		ps    apiclient.PipelineStatus
		quiet int
		done  bool
		want  outcome
	}{
		{"queued: an older release and deployment are not ours", status(t,
			stageOf(ours, 2, "in_progress", "queued", t0, nil),
			stageOf(older, 1, "complete", "complete", t0.Add(-time.Hour), nil),
			stageOf(older, 1, "complete", "complete", t0.Add(-time.Hour), nil), true), 0, false, outcome{}},
		{"build failed", status(t, stageOf(ours, 2, "error", "error", t0, &boom), nil, nil, false), 1, true,
			outcome{Stage: "build", Status: "error", Detail: boom}},
		{"deployed", status(t,
			stageOf(ours, 2, "complete", "complete", t0, nil),
			stageOf(older, 2, "complete", "complete", t0.Add(2*time.Second), nil),
			stageOf(older, 2, "complete", "complete", t0.Add(3*time.Second), nil), false), 1, true, outcome{OK: true, Release: 2}},
		{"rollout canceled", status(t,
			stageOf(ours, 2, "complete", "complete", t0, nil),
			stageOf(older, 2, "complete", "complete", t0.Add(2*time.Second), nil),
			stageOf(older, 2, "canceled", "canceled", t0.Add(3*time.Second), ptr("canceled by ci")), false), 1, true,
			outcome{Stage: "deploy", Status: "canceled", Detail: "canceled by ci"}},
		{"another pipeline's build: not ours, wait", status(t, stageOf(older, 3, "in_progress", "building", t0, nil), nil, nil, true), 0, false, outcome{}},
		{"ended with nothing decisive, once", status(t, stageOf(ours, 2, "complete", "complete", t0, nil), nil, nil, false), 1, false, outcome{}},
		{"ended with nothing decisive, twice", status(t, stageOf(ours, 2, "complete", "complete", t0, nil), nil, nil, false), 2, true,
			outcome{Stage: "pipeline", Status: "error", Detail: "the pipeline ended without a deployment"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := readSnapshot(&tc.ps, ours)
			if err != nil {
				t.Fatal(err)
			}
			done, got := decide(snap, tc.quiet)
			if done != tc.done || got != tc.want {
				t.Errorf("decide = %v %+v, want %v %+v", done, got, tc.done, tc.want)
			}
		})
	}
}

// TestReadSnapshotOfAReleasePipeline: a release pipeline is named by its
// release; the older build is not ours, its deployment is.
func TestReadSnapshotOfAReleasePipeline(t *testing.T) {
	ours, older := uuid.New(), uuid.New()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ps := status(t,
		stageOf(older, 1, "complete", "complete", t0.Add(-time.Hour), nil),
		stageOf(ours, 2, "complete", "complete", t0, nil),
		stageOf(older, 2, "complete", "complete", t0.Add(time.Second), nil), false)
	ps.PipelineId = &ours
	snap, err := readSnapshot(&ps, ours)
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]bool{snap.Stages[0].Ours, snap.Stages[1].Ours, snap.Stages[2].Ours}; got != [3]bool{false, true, true} {
		t.Errorf("ours = %v, want the release and the deployment", got)
	}
	if done, out := decide(snap, 1); !done || out != (outcome{OK: true, Release: 2}) {
		t.Errorf("decide = %v %+v", done, out)
	}
	if snap, _ := readSnapshot(&ps, older); snap.Stages[1].Ours || snap.Stages[2].Ours {
		t.Error("stages are ours while Pipeline Status names another pipeline")
	}
}

// status decodes a Pipeline Status document into the generated type.
func status(t *testing.T, build, release, deploy map[string]any, active bool) apiclient.PipelineStatus {
	t.Helper()
	doc := map[string]any{"build": build, "release": release, "deploy": deploy, "pipeline_active": active}
	if build != nil {
		doc["pipeline_id"] = build["id"]
	}
	var ps apiclient.PipelineStatus
	if err := remarshal(doc, &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestWatchPipelineRetriesThenGivesUp: a 503 is retried, a 404 is not.
func TestWatchPipelineRetriesThenGivesUp(t *testing.T) {
	id := uuid.New()
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/problem+json")
		if calls < 3 {
			w.WriteHeader(503)
			fmt.Fprint(w, `{"code":"unavailable","status":503,"title":"Service Unavailable"}`)
			return
		}
		w.WriteHeader(404)
		fmt.Fprint(w, `{"code":"not_found","status":404,"title":"Not Found","detail":"application not found"}`)
	}))
	defer srv.Close()
	a, err := newAPI(Profile{URL: srv.URL, Token: "t"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = watchPipeline(context.Background(), a, id, id, time.Millisecond, func(snapshot) {})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || calls != 3 {
		t.Fatalf("err %v after %d calls; want the 404 after two retried 503s", err, calls)
	}
}

func TestProfilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": dir}
	getenv := func(k string) string { return env[k] }
	ps, err := openProfiles(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.save("default", Profile{URL: "http://a", Token: "slw_a"}); err != nil {
		t.Fatal(err)
	}
	if err := ps.save("prod", Profile{URL: "https://b", Token: "slw_b"}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(dir, "slipway"): 0o700, ps.path: 0o600} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %v", path, info.Mode().Perm(), err, want)
		}
	}
	f, _ := ps.load()
	if got := f.names(); !reflect.DeepEqual(got, []string{"default", "prod"}) {
		t.Errorf("profiles %v", got)
	}
	for _, tc := range []struct {
		env     map[string]string
		profile string
		want    Profile
		err     bool
	}{
		{map[string]string{}, "default", Profile{URL: "http://a", Token: "slw_a"}, false},
		{map[string]string{EnvToken: "slw_env"}, "prod", Profile{URL: "https://b", Token: "slw_env"}, false},
		{map[string]string{EnvURL: "http://c"}, "nobody", Profile{URL: "http://c"}, true},
		{map[string]string{}, "nobody", Profile{}, true},
	} {
		tc.env["XDG_CONFIG_HOME"] = dir
		got, err := resolveProfile(func(k string) string { return tc.env[k] }, tc.profile)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("resolveProfile(%v, %s) = %+v, %v", tc.env, tc.profile, got, err)
		}
	}
	// ~/.config/slipway without XDG_CONFIG_HOME.
	if d, _ := configDir(func(k string) string { return map[string]string{"HOME": "/home/u"}[k] }); d != "/home/u/.config/slipway" {
		t.Errorf("configDir = %s", d)
	}
}

// TestRunUsageErrors: Run prints one line and exits 2 for a command line it
// cannot run, before any request.
func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"apps"}, {"orgs", "--nope"}, {"scale", "a/b/c"}, {"login", "extra"}} {
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), Options{Args: args, Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
		if code != ExitUsage || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "error: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}

func TestDeployedCell(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		in   *bool
		want string
	}{{nil, "never"}, {&yes, "yes"}, {&no, "incomplete"}} {
		if got := deployedCell(tc.in); got != tc.want {
			t.Errorf("deployedCell(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
