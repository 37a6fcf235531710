package platform

import (
	"errors"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets of the domain validators. Each asserts more than "no
// panic": a rejection is a validation *Error naming only fields of the
// request, a rejected change leaves its target untouched, and whatever is
// accepted satisfies the rules of the API contract and validates again.

// fieldsOf returns the validation error's fields, failing the test when err
// is not a validation *Error with at least one field.
func fieldsOf(t *testing.T, err error) []FieldError {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalid || len(e.Fields) == 0 {
		t.Fatalf("error %v (%T) is not a validation error naming a field", err, err)
	}
	for _, f := range e.Fields {
		if f.Field == "" || f.Message == "" {
			t.Fatalf("field error without a field or message: %+v", f)
		}
	}
	return e.Fields
}

var contractSlugRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// FuzzIdentifiers: slugs, names and process names (DNS labels).
// CheckSlug accepts exactly the contract's slugs (the pattern, 1–63
// characters) and agrees with IsDNSLabel; a rejection names the field.
// NormalizeName trims, is idempotent, and accepts exactly 1–100 characters.
func FuzzIdentifiers(f *testing.F) {
	for _, s := range []string{
		"acme", "a", "a-b", "shop-2", "0", "-a", "a-", "A", "a_b", "a.b", "", " ", "ä",
		strings.Repeat("a", 63), strings.Repeat("a", 64), "deployments", "a\n", "\u00a0x\u00a0",
		strings.Repeat("é", 100), strings.Repeat("é", 101), "  Shop  ", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v Violations
		CheckSlug(&v, "slug", s)
		want := len(s) >= 1 && len(s) <= 63 && contractSlugRe.MatchString(s)
		if (v.Err() == nil) != want {
			t.Fatalf("CheckSlug(%q) = %v, the contract says valid=%v", s, v.Err(), want)
		}
		if v.Err() != nil {
			for _, fe := range fieldsOf(t, v.Err()) {
				if fe.Field != "slug" {
					t.Fatalf("CheckSlug(%q) names field %q", s, fe.Field)
				}
			}
		}
		if IsDNSLabel(s) != want {
			t.Fatalf("IsDNSLabel(%q) = %v, CheckSlug says %v", s, IsDNSLabel(s), want)
		}

		var nv Violations
		name := NormalizeName(&nv, "name", s)
		if name != strings.TrimSpace(s) {
			t.Fatalf("NormalizeName(%q) = %q, not trimmed", s, name)
		}
		n := utf8.RuneCountInString(name)
		if ok := n >= 1 && n <= 100; (nv.Err() == nil) != ok {
			t.Fatalf("NormalizeName(%q): %v with %d characters", s, nv.Err(), n)
		}
		if nv.Err() != nil {
			if fs := fieldsOf(t, nv.Err()); len(fs) != 1 || fs[0].Field != "name" {
				t.Fatalf("NormalizeName(%q) fields %+v", s, fs)
			}
			return
		}
		var again Violations
		if name2 := NormalizeName(&again, "name", name); name2 != name || again.Err() != nil {
			t.Fatalf("NormalizeName is not idempotent on %q: %q, %v", name, name2, again.Err())
		}
	})
}

// patchBits selects, per settings member, whether a fuzzed patch carries it
// and whether it carries null.
func patchOf(present, null uint16, repo, branch, subdir, env, host, path string, private bool, inst int64, timeout int) SettingsPatch {
	p := func(i int) (bool, bool) { return present&(1<<i) != 0, null&(1<<i) != 0 }
	str := func(i int, v string) Patch[string] {
		pr, nu := p(i)
		if !pr {
			return Patch[string]{}
		}
		if nu {
			return Patch[string]{Present: true, Null: true}
		}
		return Patch[string]{Present: true, Value: v}
	}
	var sp SettingsPatch
	sp.GithubRepository = str(0, repo)
	sp.AutoDeployBranch = str(1, branch)
	sp.Subdirectory = str(2, subdir)
	sp.GithubEnvironmentName = str(3, env)
	sp.HealthCheckHost = str(4, host)
	sp.HealthCheckPath = str(5, path)
	if pr, nu := p(6); pr {
		sp.GithubRepositoryIsPrivate = Patch[bool]{Present: true, Null: nu, Value: private && !nu}
	}
	if pr, nu := p(7); pr {
		sp.GithubAppInstallationID = Patch[int64]{Present: true, Null: nu}
		if !nu {
			sp.GithubAppInstallationID.Value = inst
		}
	}
	if pr, nu := p(8); pr {
		sp.DeploymentTimeout = Patch[int]{Present: true, Null: nu}
		if !nu {
			sp.DeploymentTimeout.Value = timeout
		}
	}
	return sp
}

// fullPatch is the patch that sets every member to the value s holds (null
// for an unset nullable member): a round trip of stored settings through
// the API.
func fullPatch(s Settings) SettingsPatch {
	str := func(v *string) Patch[string] {
		if v == nil {
			return Patch[string]{Present: true, Null: true}
		}
		return Patch[string]{Present: true, Value: *v}
	}
	p := SettingsPatch{
		GithubRepository:          str(s.GithubRepository),
		GithubRepositoryIsPrivate: Patch[bool]{Present: true, Value: s.GithubRepositoryIsPrivate},
		AutoDeployBranch:          str(s.AutoDeployBranch),
		Subdirectory:              str(s.Subdirectory),
		GithubEnvironmentName:     str(s.GithubEnvironmentName),
		HealthCheckHost:           str(s.HealthCheckHost),
		HealthCheckPath:           Patch[string]{Present: true, Value: s.HealthCheckPath},
		GithubAppInstallationID:   Patch[int64]{Present: true, Null: true},
		DeploymentTimeout:         Patch[int]{Present: true, Null: true},
	}
	if s.GithubAppInstallationID != nil {
		p.GithubAppInstallationID = Patch[int64]{Present: true, Value: *s.GithubAppInstallationID}
	}
	if s.DeploymentTimeout != nil {
		p.DeploymentTimeout = Patch[int]{Present: true, Value: *s.DeploymentTimeout}
	}
	return p
}

// checkSettingsContract asserts that stored settings obey the rules of
// API.md ("Update Settings").
func checkSettingsContract(t *testing.T, s Settings) {
	t.Helper()
	if r := s.GithubRepository; r != nil && !githubRepositoryRe.MatchString(*r) {
		t.Fatalf("github_repository %q accepted", *r)
	}
	if b := s.AutoDeployBranch; b != nil {
		if *b == "" || strings.HasPrefix(*b, "-") || strings.Contains(*b, "..") || strings.ContainsAny(*b, " ~^:?*[\\") {
			t.Fatalf("auto_deploy_branch %q accepted", *b)
		}
	}
	if d := s.Subdirectory; d != nil {
		if *d == "" || strings.HasPrefix(*d, "/") || slices.Contains(strings.Split(*d, "/"), "..") {
			t.Fatalf("subdirectory %q accepted", *d)
		}
	}
	if e := s.GithubEnvironmentName; e != nil {
		if n := utf8.RuneCountInString(*e); n < 1 || n > 255 {
			t.Fatalf("github_environment_name of %d characters accepted", n)
		}
	}
	if h := s.HealthCheckHost; h != nil && (len(*h) == 0 || len(*h) > 253 || strings.ContainsFunc(*h, unicode.IsSpace)) {
		t.Fatalf("health_check_host %q accepted", *h)
	}
	if p := s.HealthCheckPath; !strings.HasPrefix(p, "/") || utf8.RuneCountInString(p) > 64 || strings.ContainsFunc(p, unicode.IsSpace) {
		t.Fatalf("health_check_path %q accepted", p)
	}
	if id := s.GithubAppInstallationID; id != nil && *id <= 0 {
		t.Fatalf("github_app_installation_id %d accepted", *id)
	}
	if d := s.DeploymentTimeout; d != nil && (*d < MinDeploymentTimeout || *d > MaxDeploymentTimeout) {
		t.Fatalf("deployment_timeout %d accepted", *d)
	}
}

// FuzzSettingsPatch: a merge patch over the nine settings. A rejected
// patch is a validation error naming only settings fields and leaves the
// settings unchanged; an accepted one sets exactly what it carries, obeys
// the contract's rules, is idempotent, and the resulting settings pass
// validation again when sent back in full (a GET → PATCH round trip).
func FuzzSettingsPatch(f *testing.F) {
	f.Add(uint16(0x1ff), uint16(0), "octo/web", "main", "services/web", "production", "example.com", "/_health/", true, int64(42), 600)
	f.Add(uint16(0x1ff), uint16(0x1ff), "", "", "", "", "", "", false, int64(0), 0)
	f.Add(uint16(0x19f), uint16(0x180), "o/r", "feature/x-1", "a/b/", "e", "a.b.c.", "/", false, int64(1), 30)
	f.Add(uint16(0x1ff), uint16(0), "o/r/x", "-x", "/abs", "", "-bad.com", "no-slash", true, int64(-1), 29)
	f.Add(uint16(0x1ff), uint16(0), "o/r", "a..b", "a/../b", strings.Repeat("x", 256), strings.Repeat("a", 64)+".com", "/a b", false, int64(0), 3601)
	f.Add(uint16(0x03e), uint16(0), "", "refs/heads/x.lock", "a\\b", "é", "xn--bcher-kva.example", "/\u00a0", false, int64(0), 0)
	f.Add(uint16(0x020), uint16(0), "", "", "", "", "", "/"+strings.Repeat("é", 40), false, int64(0), 0)
	f.Add(uint16(0x012), uint16(0), "", "@", "", "", "localhost", "", false, int64(0), 0)
	f.Fuzz(func(t *testing.T, present, null uint16, repo, branch, subdir, env, host, path string, private bool, inst int64, timeout int) {
		p := patchOf(present, null, repo, branch, subdir, env, host, path, private, inst, timeout)
		before := DefaultSettings()
		branchBefore := "main"
		before.AutoDeployBranch = &branchBefore
		s := before
		err := p.Apply(&s)
		if err != nil {
			for _, fe := range fieldsOf(t, err) {
				if !slices.Contains(SettingsFields, fe.Field) {
					t.Fatalf("error names %q, not a settings field", fe.Field)
				}
			}
			if !reflect.DeepEqual(s, before) {
				t.Fatalf("rejected patch changed the settings: %+v", s)
			}
			return
		}
		checkSettingsContract(t, s)
		sameStr := func(name string, pt Patch[string], got *string, old *string) {
			switch {
			case !pt.Present:
				if !reflect.DeepEqual(got, old) {
					t.Fatalf("%s changed though absent", name)
				}
			case pt.Null:
				if got != nil {
					t.Fatalf("%s = %q after null", name, *got)
				}
			default:
				if got == nil || *got != pt.Value {
					t.Fatalf("%s not set to %q", name, pt.Value)
				}
			}
		}
		sameStr("github_repository", p.GithubRepository, s.GithubRepository, before.GithubRepository)
		sameStr("auto_deploy_branch", p.AutoDeployBranch, s.AutoDeployBranch, before.AutoDeployBranch)
		sameStr("subdirectory", p.Subdirectory, s.Subdirectory, before.Subdirectory)
		sameStr("github_environment_name", p.GithubEnvironmentName, s.GithubEnvironmentName, before.GithubEnvironmentName)
		sameStr("health_check_host", p.HealthCheckHost, s.HealthCheckHost, before.HealthCheckHost)
		if p.HealthCheckPath.Present && s.HealthCheckPath != p.HealthCheckPath.Value {
			t.Fatalf("health_check_path not set")
		}

		again := s
		if err := p.Apply(&again); err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("applying the accepted patch again: %v, %+v != %+v", err, again, s)
		}
		round := DefaultSettings()
		if err := fullPatch(s).Apply(&round); err != nil {
			t.Fatalf("accepted settings do not validate again: %v", err)
		}
		if !reflect.DeepEqual(round, s) {
			t.Fatalf("round trip %+v != %+v", round, s)
		}
	})
}

// parseEntries reads "name=value" entries separated by ';'.
func parseEntries(spec string) [][2]string {
	var out [][2]string
	for _, e := range strings.Split(spec, ";") {
		if e == "" {
			continue
		}
		k, v, _ := strings.Cut(e, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

// FuzzScaleRequest: a scale request merged into an application. A
// rejection names only process_counts[.name] / process_pod_classes.name
// fields and leaves the application unchanged; after an accepted request
// every count is 0–100, every class a known pod class, every name a DNS
// label (and a process of the release, if there is one), at most 50
// processes, and the request is idempotent.
func FuzzScaleRequest(f *testing.F) {
	f.Add("web=2;worker=0", "web=m1.small", "", "web=3", "")
	f.Add("web=101", "web=x1.huge", "", "", "")
	f.Add("Web=1;-x=1;a_b=2", "", "", "", "")
	f.Add("web=-1", "worker=r1.2xlarge", "web;worker", "web=1", "web=m1.large")
	f.Add("cron=1", "cron=c1.medium", "web", "", "")
	f.Add("", "", "", "", "")
	f.Add(strings.Repeat("p=1;", 3)+"q=100", "", "p;q", "", "")
	f.Fuzz(func(t *testing.T, counts, classes, release, curCounts, curClasses string) {
		var req ScaleRequest
		for _, e := range parseEntries(counts) {
			n, err := strconv.Atoi(e[1])
			if err != nil {
				n = len(e[1]) - 1
			}
			if req.ProcessCounts == nil {
				req.ProcessCounts = map[string]int{}
			}
			req.ProcessCounts[e[0]] = n
		}
		for _, e := range parseEntries(classes) {
			if req.ProcessPodClasses == nil {
				req.ProcessPodClasses = map[string]string{}
			}
			req.ProcessPodClasses[e[0]] = e[1]
		}
		app := Application{ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}}
		for _, e := range parseEntries(curCounts) {
			if IsDNSLabel(e[0]) {
				app.ProcessCounts[e[0]] = len(e[1]) % (MaxProcessCount + 1)
			}
		}
		for _, e := range parseEntries(curClasses) {
			if _, ok := LookupPodClass(e[1]); ok && IsDNSLabel(e[0]) {
				app.ProcessPodClasses[e[0]] = e[1]
			}
		}
		if release != "" {
			rel := &Release{Version: 1, Processes: map[string]string{}}
			for _, name := range strings.Split(release, ";") {
				rel.Processes[name] = "run " + name
			}
			app.LatestRelease = rel
		}
		before := Application{ProcessCounts: maps.Clone(app.ProcessCounts), ProcessPodClasses: maps.Clone(app.ProcessPodClasses), LatestRelease: app.LatestRelease}

		err := req.Apply(&app)
		if err != nil {
			for _, fe := range fieldsOf(t, err) {
				name, ok := strings.CutPrefix(fe.Field, "process_counts.")
				if !ok {
					name, ok = strings.CutPrefix(fe.Field, "process_pod_classes.")
				}
				_, inCounts := req.ProcessCounts[name]
				_, inClasses := req.ProcessPodClasses[name]
				if fe.Field != "process_counts" && !(ok && (inCounts || inClasses)) {
					t.Fatalf("error names %q, not a field of the request", fe.Field)
				}
			}
			if !maps.Equal(app.ProcessCounts, before.ProcessCounts) || !maps.Equal(app.ProcessPodClasses, before.ProcessPodClasses) {
				t.Fatal("a rejected scale changed the application")
			}
			return
		}
		if len(app.ProcessCounts) > MaxProcesses || len(app.ProcessPodClasses) > MaxProcesses {
			t.Fatalf("%d/%d processes accepted", len(app.ProcessCounts), len(app.ProcessPodClasses))
		}
		for name, n := range req.ProcessCounts {
			if app.ProcessCounts[name] != n {
				t.Fatalf("count of %q not merged", name)
			}
		}
		for name, c := range req.ProcessPodClasses {
			if app.ProcessPodClasses[name] != c {
				t.Fatalf("class of %q not merged", name)
			}
		}
		for name, n := range app.ProcessCounts {
			if !IsDNSLabel(name) || n < 0 || n > MaxProcessCount {
				t.Fatalf("process_counts %q=%d accepted", name, n)
			}
		}
		for name, c := range app.ProcessPodClasses {
			if _, ok := LookupPodClass(c); !IsDNSLabel(name) || !ok {
				t.Fatalf("process_pod_classes %q=%q accepted", name, c)
			}
		}
		removedStale := false
		if rel := app.LatestRelease; rel != nil {
			for name, n := range req.ProcessCounts {
				if _, ok := rel.Processes[name]; ok {
					continue
				}
				// Only a stale process (listed before, not in the
				// release) may be named, and only to set it to 0,
				// which removes it.
				_, counted := before.ProcessCounts[name]
				_, classed := before.ProcessPodClasses[name]
				if n != 0 || !(counted || classed) {
					t.Fatalf("process %q is not in the release", name)
				}
				_, stillCounted := app.ProcessCounts[name]
				_, stillClassed := app.ProcessPodClasses[name]
				if stillCounted || stillClassed {
					t.Fatalf("stale process %q set to 0 was not removed", name)
				}
				removedStale = true
			}
			for name := range req.ProcessPodClasses {
				if _, ok := rel.Processes[name]; !ok {
					t.Fatalf("process %q is not in the release", name)
				}
			}
		}
		if removedStale {
			return // naming the removed process again is an unknown process (422)
		}
		gotCounts, gotClasses := maps.Clone(app.ProcessCounts), maps.Clone(app.ProcessPodClasses)
		if err := req.Apply(&app); err != nil || !maps.Equal(gotCounts, app.ProcessCounts) || !maps.Equal(gotClasses, app.ProcessPodClasses) {
			t.Fatalf("applying the accepted request again: %v", err)
		}
	})
}

// FuzzObservabilityRange: the ?range= query. Exactly the five names (and
// "", the default) are accepted, anything else is a validation error
// naming "range". For any accepted range and any clock reading the window
// is whole steps aligned to the epoch, ends at or before now, and usage
// samples aggregate into points inside it, one per step at most, with no
// negative restart count.
func FuzzObservabilityRange(f *testing.F) {
	for _, s := range []string{"", "1h", "6h", "24h", "7d", "30d", "2h", "1H", " 1h", "0", "-1h", "1h\x00"} {
		f.Add(s, time.Date(2026, 12, 1, 10, 0, 30, 0, time.UTC).UnixNano(), []byte{0, 10, 20, 30, 40, 250, 1, 2, 3, 4})
	}
	f.Add("30d", int64(0), []byte{})
	f.Add("7d", int64(-1), []byte{255, 255, 255, 255, 255})
	names := map[string]bool{"1h": true, "6h": true, "24h": true, "7d": true, "30d": true}
	f.Fuzz(func(t *testing.T, s string, nowNanos int64, samples []byte) {
		r, err := ParseObservabilityRange(s)
		if !names[s] && s != "" {
			if fs := fieldsOf(t, err); len(fs) != 1 || fs[0].Field != "range" {
				t.Fatalf("range %q: %+v", s, fs)
			}
			return
		}
		if err != nil {
			t.Fatalf("range %q refused: %v", s, err)
		}
		if want := s; (want == "" && r.Name != DefaultObservabilityRange) || (want != "" && r.Name != want) {
			t.Fatalf("range %q parsed as %q", s, r.Name)
		}
		now := time.Unix(0, nowNanos)
		w := r.WindowAt(now)
		if w.End.After(now) || now.Sub(w.End) >= r.Step || w.End.Sub(w.Start) != r.Window || w.Step != r.Step {
			t.Fatalf("window %v – %v step %v at %v", w.Start, w.End, w.Step, now)
		}
		if n := w.Len(); n != int(r.Window/r.Step) || n > 720 {
			t.Fatalf("%d steps", n)
		}
		if w.Start.Sub(time.Unix(0, 0))%r.Step != 0 {
			t.Fatalf("start %v is not aligned to %v", w.Start, r.Step)
		}
		if len(samples) > 320 {
			samples = samples[:320] // 64 samples: cheap execs, quick minimization
		}
		var in []UsageSample
		for i := 0; i+4 < len(samples); i += 5 {
			offset := time.Duration(int8(samples[i])) * r.Step * time.Duration(w.Len()) / 100
			in = append(in, UsageSample{
				Time:          w.Start.Add(offset).Truncate(time.Minute),
				CPUMillicores: int64(samples[i+1]), MemoryBytes: int64(samples[i+2]) << 20,
				Pods: int64(samples[i+3] % 8), RestartsTotal: int64(int8(samples[i+4])),
			})
		}
		slices.SortStableFunc(in, func(a, b UsageSample) int { return a.Time.Compare(b.Time) })
		points := w.Aggregate(in)
		var last time.Time
		for i, p := range points {
			if p.Time.Before(w.Start) || !p.Time.Before(w.End) || p.Time.Sub(w.Start)%w.Step != 0 {
				t.Fatalf("point at %v outside or unaligned to %v – %v", p.Time, w.Start, w.End)
			}
			if i > 0 && !p.Time.After(last) {
				t.Fatalf("points not strictly increasing at %v", p.Time)
			}
			last = p.Time
			if u := p.Usage; u == nil || u.Restarts < 0 || u.Pods < 0 || u.CPUMillicores < 0 || u.MemoryBytes < 0 {
				t.Fatalf("point %+v", p.Usage)
			}
		}
		filled := w.Fill(points)
		if len(filled) != w.Len() {
			t.Fatalf("Fill gave %d points for %d steps", len(filled), w.Len())
		}
	})
}

// TestHealthCheckPathWhitespace: the contract's "no whitespace" covers
// Unicode spaces and control characters too (found by FuzzSettingsPatch:
// "/\u00a0" was accepted).
func TestHealthCheckPathWhitespace(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"/_health/", true}, {"/é", true}, {"/a b", false}, {"/a\tb", false}, {"/\u00a0", false},
		{"/a\u2003", false}, {"/\u0085", false}, {"/\u2028", false}, {"/\u009f", false}, {"/\x7f", false},
	} {
		s := DefaultSettings()
		err := SettingsPatch{HealthCheckPath: Patch[string]{Present: true, Value: tc.path}}.Apply(&s)
		if (err == nil) != tc.ok {
			t.Errorf("health_check_path %q: %v, want ok=%v", tc.path, err, tc.ok)
		}
	}
}
