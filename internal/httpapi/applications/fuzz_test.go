package applications_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
)

// fuzzRoutes are the routes FuzzRoutes drives: every route of the group
// that decodes a request body, and the paginated lists. In paths and
// bodies $APP is the seeded application's id and $PROJECT the project's.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/organizations"},
	{"POST", "/organizations/acme/projects"},
	{"POST", "/organizations/acme/tokens"},
	{"POST", "/applications"},
	{"PATCH", "/applications/$APP/settings"},
	{"POST", "/applications/$APP/scale"},
	{"GET", "/organizations"},
	{"GET", "/organizations/acme/projects"},
}

var fuzzIdentities = []string{apitest.Platform, apitest.Admin, apitest.Member}

// problemCodes maps each status to the problem code it must carry.
var problemCodes = map[int]string{
	400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 412: "precondition_failed", 413: "payload_too_large", 415: "unsupported_media_type",
	422: "validation_failed",
}

// FuzzRoutes sends fuzzed bodies and query strings through the real
// router and handlers (with a valid token, so the decoders are reached) on
// a store seeded once per fuzzing process. Bad input never yields a 5xx;
// every error is a problem document whose code matches its status, a 422
// names at least one field; a created token has role admin or member;
// settings the API accepted and returned are accepted again when sent
// back in full (GET → PATCH round trip).
func FuzzRoutes(f *testing.F) {
	env := apitest.New(f, func(env *apitest.Env) []httpapi.Route {
		return applications.Routes(applications.Deps{Store: env.Store, OpenAPI: []byte("openapi: 3.1.0\n")})
	})
	app := fuzzDo(env, "POST", "/applications", apitest.Admin,
		[]byte(`{"name":"Web","slug":"web","project_id":"`+env.Projects["acme/shop"].ID+`"}`))
	if app.Code != http.StatusCreated {
		f.Fatalf("seeding the application: %d %s", app.Code, app.Body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(app.Body.Bytes(), &created); err != nil {
		f.Fatal(err)
	}
	expand := strings.NewReplacer("$APP", created.ID, "$PROJECT", env.Projects["acme/shop"].ID)

	seeds := []struct {
		route, who  uint8
		body, query string
	}{
		{0, 0, `{"name":"Globex 2","slug":"globex-2"}`, ""},
		{0, 1, `{"name":"x","slug":"x"}`, ""},
		{0, 0, `{"name":"x","slug":"-x-"}`, ""},
		{1, 1, `{"name":"Shop","slug":"shop"}`, ""},
		{1, 1, `{"name":"D","slug":"deployments"}`, ""},
		{1, 0, `{"name":"Shop 2","slug":"shop-2","x":1}`, ""},
		{2, 1, `{"name":"ci","role":"member"}`, ""},
		{2, 1, `{"name":"ci","role":""}`, ""},
		{2, 1, `{"name":"ci","role":"platform"}`, ""},
		{2, 2, `{"name":"ci","role":"admin"}`, ""},
		{3, 1, `{"name":"Api","slug":"api","project_id":"$PROJECT"}`, ""},
		{3, 1, `{"name":"Api","slug":"api","project_id":"00000000-0000-7000-8000-000000000000"}`, ""},
		{3, 1, `{"name":"Api","slug":"api","project_id":"$APP"}`, ""},
		{4, 1, `{"github_repository":"octo/web","auto_deploy_branch":"main","subdirectory":"web","deployment_timeout":600}`, ""},
		{4, 1, `{"github_repository":null,"health_check_host":"example.com","github_app_installation_id":7}`, ""},
		{4, 1, `{"deployment_timeout":"600"}`, ""},
		{4, 1, `{"health_check_path":"/\u00a0"}`, ""},
		{4, 2, `{"github_repository":"octo/web"}`, ""},
		{5, 1, `{"process_counts":{"web":2},"process_pod_classes":{"web":"c1.large"}}`, ""},
		{5, 1, `{"process_counts":{"web":101,"Bad":1}}`, ""},
		{5, 1, `{"process_counts":{"web":1.5}}`, ""},
		{5, 1, `{}`, ""},
		{4, 1, `{`, ""},
		{4, 1, `{} {}`, ""},
		{4, 1, ``, ""},
		{6, 0, ``, "limit=1"},
		{6, 0, ``, "limit=0&cursor=x"},
		{6, 1, ``, "cursor=e30.AAAA"},
		{7, 1, ``, "limit=100"},
		{7, 0, ``, "limit=1&cursor=eyJQSyI6IngifQ.AAAA"},
	}
	for _, s := range seeds {
		f.Add(s.route, s.who, []byte(s.body), s.query)
	}
	f.Fuzz(func(t *testing.T, route, who uint8, body []byte, query string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		identity := fuzzIdentities[int(who)%len(fuzzIdentities)]
		path := expand.Replace(rt.path)
		if query != "" {
			path += "?" + query
		}
		body = []byte(expand.Replace(string(body)))
		resp := fuzzDo(env, rt.method, path, identity, body)
		if resp == nil {
			return // not a request URL at all: the router is never reached
		}
		checkResponse(t, rt.method+" "+path, body, resp)
		if resp.Code == http.StatusCreated && rt.path == "/organizations/acme/tokens" {
			var tok struct{ Role string }
			_ = json.Unmarshal(resp.Body.Bytes(), &tok)
			if tok.Role != "admin" && tok.Role != "member" {
				t.Fatalf("body %q created a token with role %q", body, tok.Role)
			}
		}
		if resp.Code == http.StatusOK && rt.method == "PATCH" {
			var got map[string]any
			if err := json.Unmarshal(resp.Body.Bytes(), &got); err != nil {
				t.Fatalf("settings response: %v", err)
			}
			full := map[string]any{}
			for _, k := range []string{"github_repository", "github_repository_is_private", "auto_deploy_branch", "subdirectory",
				"github_environment_name", "health_check_host", "github_app_installation_id", "deployment_timeout", "health_check_path"} {
				full[k] = got[k]
			}
			back, _ := json.Marshal(full)
			again := fuzzDo(env, "PATCH", path, apitest.Admin, back)
			checkResponse(t, "PATCH "+path, back, again)
			if again.Code != http.StatusOK {
				t.Fatalf("accepted settings %s sent back: %d %s", back, again.Code, again.Body)
			}
		}
	})
}

// fuzzDo sends one request through the router (not env.Do: the fuzz
// function must only use its *testing.T). It returns nil when target is
// not a valid request URL.
func fuzzDo(env *apitest.Env, method, target, identity string, body []byte) (rec *httptest.ResponseRecorder) {
	defer func() {
		if recover() != nil { // httptest.NewRequest panics on a malformed target
			rec = nil
		}
	}()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if len(body) > 0 {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+env.Tokens[identity])
	rec = httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, r)
	return rec
}

func checkResponse(t *testing.T, what string, body []byte, resp *httptest.ResponseRecorder) {
	t.Helper()
	if resp.Code >= 500 {
		t.Fatalf("%s with body %q: %d %s", what, body, resp.Code, resp.Body)
	}
	if resp.Code < 400 {
		return
	}
	if ct := resp.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: %d with content type %q", what, resp.Code, ct)
	}
	var p struct {
		Code   string
		Status int
		Errors []struct{ Field, Message string }
	}
	if err := json.Unmarshal(resp.Body.Bytes(), &p); err != nil {
		t.Fatalf("%s: problem document %q: %v", what, resp.Body, err)
	}
	if want, ok := problemCodes[resp.Code]; !ok || p.Code != want || p.Status != resp.Code {
		t.Fatalf("%s: status %d with code %q (status %d)", what, resp.Code, p.Code, p.Status)
	}
	if resp.Code == http.StatusUnprocessableEntity {
		if len(p.Errors) == 0 || slices.ContainsFunc(p.Errors, func(e struct{ Field, Message string }) bool { return e.Message == "" }) {
			t.Fatalf("%s with body %q: 422 without field errors: %s", what, body, resp.Body)
		}
	}
}

// TestTokenRoleEmpty: "role": "" is not a role (found by FuzzRoutes: it
// created a token whose role was "").
func TestTokenRoleEmpty(t *testing.T) {
	env := newEnv(t)
	for _, body := range []any{map[string]any{"name": "ci", "role": ""}, map[string]any{"name": "ci"}, map[string]any{"name": "ci", "role": nil}} {
		r := env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: body})
		expect(t, r, 422, "validation_failed")
		if fieldOf(r) != "role" {
			t.Fatalf("%v: field %q, want role", body, fieldOf(r))
		}
	}
}
