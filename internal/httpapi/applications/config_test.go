package applications_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
)

// countingKeys counts the key service's calls (KMS calls in AWS).
type countingKeys struct {
	platform.LocalDataKeys
	generate, open atomic.Int64
}

func (k *countingKeys) NewDataKey(ctx context.Context, appID string) ([]byte, []byte, error) {
	k.generate.Add(1)
	return k.LocalDataKeys.NewDataKey(ctx, appID)
}

func (k *countingKeys) OpenDataKey(ctx context.Context, appID string, wrapped []byte) ([]byte, error) {
	k.open.Add(1)
	return k.LocalDataKeys.OpenDataKey(ctx, appID, wrapped)
}

type configEnv struct {
	*apitest.Env
	keys  *countingKeys
	appID string
	// seen is every response body and header of the scenario.
	seen []string
}

func newConfigEnv(t testing.TB) *configEnv {
	keys := &countingKeys{LocalDataKeys: platform.LocalDataKeys{Master: []byte("0123456789abcdef0123456789abcdef")}}
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return applications.Routes(applications.Deps{Store: env.Store, OpenAPI: []byte("openapi: 3.1.0\n"),
			Sealer: platform.Envelope{Keys: keys}, Fingerprints: platform.Fingerprinter{Key: []byte("fingerprint-key-fingerprint-key!")}})
	})
	c := &configEnv{Env: env, keys: keys}
	resp := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin,
		Body: map[string]any{"name": "Web", "slug": "web", "project_id": env.Projects["acme/shop"].ID}})
	if resp.Status != http.StatusCreated {
		t.Fatalf("creating the application: %d %s", resp.Status, resp.Body)
	}
	c.appID = resp.JSON()["id"].(string)
	return c
}

func (c *configEnv) do(r req) *apitest.Response {
	c.T.Helper()
	resp := c.Do(r)
	c.seen = append(c.seen, string(resp.Body), fmt.Sprint(resp.Header))
	return resp
}

func (c *configEnv) patch(token string, body any, header map[string]string) *apitest.Response {
	c.T.Helper()
	return c.do(req{Method: "PATCH", Path: "/applications/" + c.appID + "/config", Token: token, Body: body, Header: header})
}

func vars(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return map[string]any{"vars": m}
}

func secretVar(v string) map[string]any {
	return map[string]any{"value": v, "secret": true, "scope": "both"}
}

// Secret values of the scenario: none may appear in a response, a log line
// or the table in clear.
var scenarioSecrets = []string{"postgres://app:Sup3rS3cret@db.internal/app", "sk_live_ZXhhbXBsZS1zZWNyZXQ", "rotated-secret-value-42"}

func TestConfigScenario(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	c := newConfigEnv(t)
	path := "/applications/" + c.appID + "/config"

	r := c.do(req{Method: "GET", Path: path, Token: apitest.Member})
	expect(t, r, 200, "")
	if r.Header.Get("ETag") != `"c0"` || r.JSON()["version"] != 0.0 || len(r.JSON()["vars"].(map[string]any)) != 0 {
		t.Fatalf("new config: %s %s", r.Header.Get("ETag"), r.Body)
	}

	// Set: a plain string, a secret, a build var.
	c.Requests.Reset()
	r = c.patch(apitest.Admin, vars("LOG_LEVEL", "info", "DATABASE_URL", secretVar(scenarioSecrets[0]),
		"STRIPE_KEY", secretVar(scenarioSecrets[1]), "NODE_ENV", map[string]any{"value": "production", "scope": "build"}), nil)
	expect(t, r, 200, "")
	calls := readsThenWrite(c.Requests.Calls())
	if got := fmt.Sprint(calls); got != "[GetItem GetItem Query TransactWriteItems]" || c.Requests.MaxInFlight() < 2 {
		t.Errorf("a PATCH made %s (max %d in flight), want the token, the application and the config read together, then one transaction", got, c.Requests.MaxInFlight())
	}
	if n := c.keys.generate.Load(); n != 1 {
		t.Errorf("a PATCH setting two secrets made %d data keys, want 1", n)
	}
	v := r.JSON()["vars"].(map[string]any)
	db := v["DATABASE_URL"].(map[string]any)
	if r.Header.Get("ETag") != `"c1"` || db["value"] != nil || db["secret"] != true || db["scope"] != "both" ||
		!strings.HasPrefix(db["fingerprint"].(string), "hmac-sha256:") || db["updated_by"] != apitest.Admin {
		t.Fatalf("after the first PATCH: %s %s", r.Header.Get("ETag"), r.Body)
	}
	if lv := v["LOG_LEVEL"].(map[string]any); lv["value"] != "info" || lv["scope"] != "runtime" || lv["secret"] != false {
		t.Fatalf("LOG_LEVEL = %v", lv)
	}
	fingerprint := db["fingerprint"]

	// The same values again: no new version, nothing sealed.
	r = c.patch(apitest.Admin, vars("LOG_LEVEL", "info", "DATABASE_URL", secretVar(scenarioSecrets[0])), nil)
	expect(t, r, 200, "")
	if r.Header.Get("ETag") != `"c1"` || c.keys.generate.Load() != 1 {
		t.Fatalf("a PATCH that changes nothing: %s, %d data keys", r.Header.Get("ETag"), c.keys.generate.Load())
	}

	// If-Match: stale is 412, current applies.
	expect(t, c.patch(apitest.Admin, vars("A", "1"), map[string]string{"If-Match": `"c0"`}), 412, "precondition_failed")
	for _, bad := range []string{`"v1"`, `"c01"`, `c1`, `"c-1"`} {
		expect(t, c.patch(apitest.Admin, vars("A", "1"), map[string]string{"If-Match": bad}), 412, "precondition_failed")
	}
	r = c.patch(apitest.Admin, vars("DATABASE_URL", secretVar(scenarioSecrets[2]), "LOG_LEVEL", nil), map[string]string{"If-Match": `"c1"`})
	expect(t, r, 200, "")
	if r.Header.Get("ETag") != `"c2"` {
		t.Fatalf("ETag %s", r.Header.Get("ETag"))
	}
	v = r.JSON()["vars"].(map[string]any)
	if _, ok := v["LOG_LEVEL"]; ok || v["DATABASE_URL"].(map[string]any)["fingerprint"] == fingerprint {
		t.Fatalf("after the second PATCH: %s", r.Body)
	}

	// Who may: members read, admins write, others see nothing.
	expect(t, c.patch(apitest.Member, vars("A", "1"), nil), 403, "forbidden")
	expect(t, c.patch(apitest.OtherAdmin, vars("A", "1"), nil), 404, "not_found")
	expect(t, c.do(req{Method: "GET", Path: path, Token: apitest.OtherMember}), 404, "not_found")

	// Bad input: a 422 naming the var, a 413 over 1 MiB, never the value.
	for _, bad := range []struct {
		body  any
		field string
	}{
		{vars("PORT", "8080"), "vars.PORT"},
		{vars("SLIPWAY_TOKEN", secretVar(scenarioSecrets[0])), "vars.SLIPWAY_TOKEN"},
		{vars("KUBERNETES_X", "1"), "vars.KUBERNETES_X"},
		{vars("bad-name", "1"), "vars.bad-name"},
		{vars("N", 42), "vars.N"},
		{vars("N", map[string]any{"value": scenarioSecrets[0], "secret": "yes"}), "vars.N"},
		{vars("N", map[string]any{"value": scenarioSecrets[0], "other": 1}), "vars.N"},
		{vars("N", map[string]any{"secret": true}), "vars.N.value"},
		{vars("N", map[string]any{"value": scenarioSecrets[0], "scope": "everywhere"}), "vars.N.scope"},
		{vars("BIG", secretVar(strings.Repeat("s", 32<<10+1))), "vars.BIG"},
		{map[string]any{"vars": []string{scenarioSecrets[0]}}, "vars"},
		{map[string]any{"env": map[string]string{}}, "env"},
	} {
		r := c.patch(apitest.Admin, bad.body, nil)
		expect(t, r, 422, "validation_failed")
		if got := fieldOf(r); got != bad.field {
			t.Errorf("%v: field %q, want %q", bad.body, got, bad.field)
		}
	}
	expect(t, c.patch(apitest.Admin, `{"vars": {"A": "`+strings.Repeat("x", 1<<20)+`"}}`, nil), 413, "payload_too_large")
	expect(t, c.patch(apitest.Admin, `{"vars": `, nil), 400, "bad_request")

	// History: newest first, names only, paginated.
	r = c.do(req{Method: "GET", Path: path + "/versions?limit=1", Token: apitest.Member})
	expect(t, r, 200, "")
	items := r.JSON()["items"].([]any)
	first := items[0].(map[string]any)
	changes := first["changes"].(map[string]any)
	if len(items) != 1 || first["version"] != 2.0 || fmt.Sprint(changes["changed"]) != "[DATABASE_URL]" ||
		fmt.Sprint(changes["removed"]) != "[LOG_LEVEL]" || fmt.Sprint(changes["added"]) != "[]" || first["created_by"] != apitest.Admin {
		t.Fatalf("history page 1: %s", r.Body)
	}
	next := r.JSON()["pagination"].(map[string]any)["next_cursor"].(string)
	r = c.do(req{Method: "GET", Path: path + "/versions?limit=1&cursor=" + next, Token: apitest.Member})
	expect(t, r, 200, "")
	if first := r.JSON()["items"].([]any)[0].(map[string]any); first["version"] != 1.0 ||
		fmt.Sprint(first["changes"].(map[string]any)["added"]) != "[DATABASE_URL LOG_LEVEL NODE_ENV STRIPE_KEY]" {
		t.Fatalf("history page 2: %s", r.Body)
	}

	// Secrets were sealed with the application and name bound: the pipeline
	// side opens them, and only to the values set.
	cur, err := c.Store.CurrentConfig(context.Background(), c.appID)
	if err != nil {
		t.Fatal(err)
	}
	sealed := map[string]platform.SealedValue{}
	for name, v := range cur.Vars {
		if v.Secret {
			sealed[name] = *v.Sealed
		}
	}
	opened, err := platform.Envelope{Keys: c.keys}.Unseal(context.Background(), c.appID, sealed)
	if err != nil || opened["DATABASE_URL"] != scenarioSecrets[2] || opened["STRIPE_KEY"] != scenarioSecrets[1] {
		t.Fatalf("unsealed %d values: %v", len(opened), err)
	}

	// No secret value anywhere: responses, logs, the table.
	table := scanTable(t, c.Env)
	for _, s := range scenarioSecrets {
		for i, seen := range c.seen {
			if strings.Contains(seen, s) {
				t.Errorf("response %d holds a secret value: %.300s", i, seen)
			}
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs hold a secret value")
		}
		if strings.Contains(table, s) {
			t.Errorf("the table holds a secret value in clear")
		}
	}
	if logs.Len() == 0 {
		t.Error("no log lines were captured: the scan proves nothing")
	}
}

// scanTable returns every attribute of every item, config snapshots
// decompressed.
func scanTable(t *testing.T, env *apitest.Env) string {
	t.Helper()
	out, err := env.Client.Scan(context.Background(), &dynamodb.ScanInput{TableName: &env.Table})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, it := range out.Items {
		for _, v := range it {
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				b.WriteString(v.Value)
			case *types.AttributeValueMemberB:
				zr, err := gzip.NewReader(bytes.NewReader(v.Value))
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(zr)
				b.Write(raw)
			}
			b.WriteByte('\n')
		}
	}
	if !strings.Contains(b.String(), "DATABASE_URL") {
		t.Fatal("the scan did not see the config snapshot")
	}
	return b.String()
}

// TestConfigReadsAreOneRoundTrip: the token, the application and the
// config (or its history) are read together.
func TestConfigReadsAreOneRoundTrip(t *testing.T) {
	c := newConfigEnv(t)
	for _, suffix := range []string{"/config", "/config/versions"} {
		c.Requests.Reset()
		c.Requests.HoldUntil(3)
		r := c.Do(req{Method: "GET", Path: "/applications/" + c.appID + suffix, Token: apitest.Member})
		expect(t, r, 200, "")
		calls := c.Requests.Calls()
		slices.Sort(calls)
		if got := fmt.Sprint(calls); got != "[GetItem GetItem Query]" || c.Requests.MaxInFlight() != 3 {
			t.Errorf("GET %s: %s, %d in flight; want [GetItem GetItem Query] all at once", suffix, got, c.Requests.MaxInFlight())
		}
	}
}

// TestConfigConcurrentPatches: PATCHes racing without If-Match all land,
// each as a version of its own.
func TestConfigConcurrentPatches(t *testing.T) {
	c := newConfigEnv(t)
	const n = 8
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.Do(req{Method: "PATCH", Path: "/applications/" + c.appID + "/config", Token: apitest.Admin,
				Body: vars(fmt.Sprintf("VAR_%d", i), secretVar(fmt.Sprint("value-", i)))})
			status[i] = r.Status
		}()
	}
	wg.Wait()
	r := c.Do(req{Method: "GET", Path: "/applications/" + c.appID + "/config", Token: apitest.Admin})
	if got := len(r.JSON()["vars"].(map[string]any)); got != n || r.Header.Get("ETag") != fmt.Sprintf(`"c%d"`, n) {
		t.Fatalf("statuses %v; %d vars at %s, want %d at \"c%d\"", status, got, r.Header.Get("ETag"), n, n)
	}
}

// readsThenWrite orders the concurrent reads of a PATCH (every call but
// the last, the transaction), whose arrival order is not fixed.
func readsThenWrite(calls []string) []string {
	if len(calls) > 1 {
		slices.Sort(calls[:len(calls)-1])
	}
	return calls
}

// TestConfigWithoutKeysFailsClosed: a group wired without config keys
// refuses config changes (503) rather than store a secret unsealed.
func TestConfigWithoutKeysFailsClosed(t *testing.T) {
	env := newEnv(t) // no Sealer, no fingerprint key
	id := createApp(t, env, "web")["id"].(string)
	r := env.Do(req{Method: "PATCH", Path: "/applications/" + id + "/config", Token: apitest.Admin, Body: vars("A", secretVar("s"))})
	expect(t, r, 503, "unavailable")
	if cur, err := env.Store.CurrentConfig(context.Background(), id); err != nil || cur.Version != 0 {
		t.Fatalf("config after a refused PATCH: v%d, %v", cur.Version, err)
	}
}

// TestLargestConfig sets the largest config the rules allow in one PATCH
// (500 secrets, 256 KiB of names and values): one data key, one
// transaction; one var more is a 422 naming it.
func TestLargestConfig(t *testing.T) {
	c := newConfigEnv(t)
	path := "/applications/" + c.appID + "/config"
	body := map[string]any{}
	per := platform.MaxConfigBytes / platform.MaxConfigVars
	total := 0
	for i := range platform.MaxConfigVars {
		name := fmt.Sprintf("SECRET_%03d", i)
		body[name] = secretVar(strings.Repeat(string(rune('a'+i%26)), per-len(name)))
		total += per
	}
	c.Requests.Reset()
	r := c.Do(req{Method: "PATCH", Path: path, Token: apitest.Admin, Body: map[string]any{"vars": body}})
	expect(t, r, 200, "")
	if got := fmt.Sprint(readsThenWrite(c.Requests.Calls())); got != "[GetItem GetItem Query TransactWriteItems]" || c.keys.generate.Load() != 1 {
		t.Errorf("the largest PATCH made %s and %d data keys", got, c.keys.generate.Load())
	}
	t.Logf("%d vars, %d bytes of names and values: %d DynamoDB requests, %d data key", len(body), total, len(c.Requests.Calls()), c.keys.generate.Load())
	r = c.Do(req{Method: "PATCH", Path: path, Token: apitest.Admin, Body: vars("ONE_MORE", "x")})
	expect(t, r, 422, "validation_failed")
	if fieldOf(r) != "vars.ONE_MORE" {
		t.Errorf("field %q", fieldOf(r))
	}
	start := time.Now()
	r = c.Do(req{Method: "GET", Path: path, Token: apitest.Member})
	expect(t, r, 200, "")
	if len(r.JSON()["vars"].(map[string]any)) != platform.MaxConfigVars || strings.Contains(string(r.Body), strings.Repeat("a", 100)) {
		t.Fatalf("GET of the largest config: %d bytes", len(r.Body))
	}
	t.Logf("GET of the largest config: %d bytes in %v", len(r.Body), time.Since(start))
}

// FuzzConfigPatch decodes fuzzed PATCH bodies and applies them to a
// config: errors are validation errors or bad requests, never holding a
// value; an applied patch
// holds no secret in clear, stays within the limits and changes nothing
// when applied again. (The route itself is covered by FuzzRoutes' checks
// in TestConfigScenario; on the embedded DynamoDB a fuzzer writing a
// version per input would slow down with the partition.)
func FuzzConfigPatch(f *testing.F) {
	for _, seed := range []string{
		`{"vars":{"A":"1","B":{"value":"secret-seed-value","secret":true,"scope":"both"},"C":null}}`,
		`{"vars":{"A":{"value":"secret-seed-value","secret":true},"A":"plain"}}`,
		`{"vars":{"PORT":"1","x-y":{"value":"v"},"S":{"value":1}}}`,
		`{"vars":{"S":{"value":"secret-seed-value","secret":true,"scope":"nowhere"}}}`,
		`{"vars":null}`, `{"vars":[]}`, `{}`, `{"vars":{"A":"\u0000"}}`, `{"vars":{"A":{"value":"x"}} }`, `{"vars":{"EXISTING":null,"PLAIN":"p"}}`,
	} {
		f.Add([]byte(seed))
	}
	fp := platform.Fingerprinter{Key: []byte("fingerprint-key-fingerprint-key!")}
	const appID = "0191c0de-0000-7000-8000-00000000000a"
	base := platform.Config{ApplicationID: appID, Version: 3, Vars: map[string]platform.ConfigVar{
		"EXISTING": {Secret: true, Scope: platform.ScopeRuntime, Size: 6, Fingerprint: fp.Fingerprint(appID, "hidden"), Sealed: &platform.SealedValue{Key: []byte("k"), Box: []byte("b")}},
		"PLAIN":    {Value: "p", Scope: platform.ScopeRuntime, Size: 1, Fingerprint: fp.Fingerprint(appID, "p")},
	}}
	f.Fuzz(func(t *testing.T, body []byte) {
		patch, err := applications.DecodeConfigPatch(body)
		if err == nil {
			var edit *platform.ConfigEdit
			if edit, err = platform.NewConfigEdit(patch, fp, appID); err == nil {
				for name := range edit.ToSeal(base) {
					edit.Sealed[name] = platform.SealedValue{Key: []byte("k"), Box: []byte("sealed")}
				}
				var next platform.Config
				var changed bool
				if next, changed, err = edit.Apply(base, time.Unix(0, 0), "fuzz"); err == nil {
					checkApplied(t, body, patch, next, changed)
					if again, changedAgain, err := edit.Apply(next, time.Unix(0, 0), "fuzz"); err != nil || changedAgain || again.Version != next.Version {
						t.Fatalf("%q applied twice: changed %v, %v", body, changedAgain, err)
					}
				}
			}
		}
		var pe *platform.Error
		if err != nil && (!errors.As(err, &pe) || (pe.Code != platform.CodeInvalid && pe.Code != platform.CodeBadRequest)) {
			t.Fatalf("%q: error %v is neither a validation error nor a bad request", body, err)
		}
		if pe != nil {
			for _, in := range patch {
				if in != nil && len(in.Value) >= 8 && strings.Contains(err.Error(), in.Value) {
					t.Fatalf("%q: the error holds a value: %v", body, err)
				}
			}
		}
	})
}

func checkApplied(t *testing.T, body []byte, patch platform.ConfigPatch, next platform.Config, changed bool) {
	t.Helper()
	if len(next.Vars) > platform.MaxConfigVars || next.Bytes() > platform.MaxConfigBytes {
		t.Fatalf("%q: an applied config over the limits", body)
	}
	for name, v := range next.Vars {
		if v.Secret && (v.Value != "" || v.Sealed == nil) {
			t.Fatalf("%q: secret %s is held in clear", body, name)
		}
		if in, ok := patch[name]; ok && in != nil && (v.Secret != in.Secret || v.Scope != in.Scope || v.Size != len(in.Value)) {
			t.Fatalf("%q: %s = %+v, want %+v", body, name, v, *in)
		}
	}
	for name, in := range patch {
		if _, ok := next.Vars[name]; in == nil && ok {
			t.Fatalf("%q: %s was removed but is still there", body, name)
		}
	}
	if changed != !next.Changes.Empty() || (changed && next.Version != 4) {
		t.Fatalf("%q: changed %v with changes %+v at version %d", body, changed, next.Changes, next.Version)
	}
}

// TestConfigPatchRestartsNothing: on an application with a live release a
// config PATCH starts no pipeline and touches no cluster object, and the
// live release is left as it was; the change waits for the next release.
func TestConfigPatchRestartsNothing(t *testing.T) {
	starter, cluster := &apitest.RecordingStarter{}, &pipelinetest.Cluster{}
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return apitest.AllRoutes(env, apitest.AllDeps{Starter: starter, Cluster: cluster})
	})
	resp := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin,
		Body: map[string]any{"name": "Web", "slug": "web", "project_id": env.Projects["acme/shop"].ID}})
	expect(t, resp, 201, "")
	id := resp.JSON()["id"].(string)
	now := time.Now().UTC()
	rel := platform.Release{ID: env.IDs.NewID(), Version: 1, Status: platform.StatusComplete, Created: now, Updated: now,
		ProcessCounts: map[string]int{"web": 1}, Processes: map[string]string{"web": "serve"}}
	dep := platform.Deployment{ID: env.IDs.NewID(), ReleaseID: rel.ID, ReleaseVersion: 1, Status: platform.StatusComplete, Created: now, Updated: now}
	if _, err := env.Store.UpdateApplicationRecords(context.Background(), id, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		a.LatestRelease, a.LatestDeployment, a.ReleaseSeq = &rel, &dep, 1
		return platform.RecordWrites{Releases: []platform.Release{rel}, Deployments: []platform.Deployment{dep}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	r := env.Do(req{Method: "PATCH", Path: "/applications/" + id + "/config", Token: apitest.Admin, Body: vars("LOG_LEVEL", "debug", "API_KEY", secretVar("k-1"))})
	expect(t, r, 200, "")
	app, err := env.Store.GetApplication(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(starter.Runs()) != 0 || cluster.Applies != 0 || len(cluster.Scaled) != 0 {
		t.Fatalf("a config PATCH started %d pipelines, applied %d workloads, scaled %d", len(starter.Runs()), cluster.Applies, len(cluster.Scaled))
	}
	if live, ok := app.LiveRelease(); !ok || live.ID != rel.ID || app.ConfigVersion != 1 {
		t.Fatalf("after the PATCH: live release %v (%v), config version %d", live, ok, app.ConfigVersion)
	}
}
