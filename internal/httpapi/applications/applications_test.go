package applications_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
)

type req = apitest.Request

func newEnv(t *testing.T) *apitest.Env {
	return apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return applications.Routes(applications.Deps{Store: env.Store, OpenAPI: []byte("openapi: 3.1.0\n")})
	})
}

// createApp creates an application in acme/shop and returns its JSON.
func createApp(t *testing.T, env *apitest.Env, slug string) map[string]any {
	t.Helper()
	resp := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin,
		Body: map[string]any{"name": "App " + slug, "slug": slug, "project_id": env.Projects["acme/shop"].ID}})
	if resp.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", slug, resp.Status, resp.Body)
	}
	return resp.JSON()
}

func expect(t *testing.T, resp *apitest.Response, status int, code string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
	if code != "" {
		p := resp.JSON()
		if p["code"] != code {
			t.Fatalf("code %v, want %s: %s", p["code"], code, resp.Body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("problem content type %q", ct)
		}
		if p["request_id"] == "" || p["request_id"] == nil {
			t.Fatalf("problem without request_id: %s", resp.Body)
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatal("response without X-Request-Id")
	}
}

func fieldOf(resp *apitest.Response) string {
	errs, _ := resp.JSON()["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["field"].(string)
}

func TestCreateApplication(t *testing.T) {
	env := newEnv(t)
	app := createApp(t, env, "web")
	for field, want := range map[string]any{
		"slug": "web", "platform": "wind", "project_slug": "shop", "organization_slug": "acme",
		"health_check_path": "/_health/", "deployment_timeout": float64(180), "github_repository": nil,
		"latest_image": nil, "latest_release": nil, "latest_deployment": nil, "privileged": false,
		"github_repository_is_private": false, "github_app_installation_id": nil,
	} {
		got, present := app[field]
		if !present || got != want {
			t.Errorf("%s = %v (present %v), want %v", field, got, present, want)
		}
	}
	if c, _ := app["created"].(string); !strings.HasSuffix(c, "Z") || len(c) != len("2026-11-26T16:17:31.123Z") {
		t.Errorf("created %q is not RFC 3339 UTC with milliseconds", c)
	}

	pid := env.Projects["acme/shop"].ID
	cases := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
		field  string
	}{
		{"duplicate slug", apitest.Admin, map[string]any{"name": "x", "slug": "web", "project_id": pid}, 409, "conflict", ""},
		{"member", apitest.Member, map[string]any{"name": "x", "slug": "m", "project_id": pid}, 403, "forbidden", ""},
		{"other org", apitest.OtherAdmin, map[string]any{"name": "x", "slug": "o", "project_id": pid}, 404, "not_found", ""},
		{"unknown project", apitest.Admin, map[string]any{"name": "x", "slug": "u", "project_id": env.IDs.NewID()}, 404, "not_found", ""},
		{"bad slug", apitest.Admin, map[string]any{"name": "x", "slug": "Web!", "project_id": pid}, 422, "validation_failed", "slug"},
		{"long slug", apitest.Admin, map[string]any{"name": "x", "slug": strings.Repeat("a", 64), "project_id": pid}, 422, "validation_failed", "slug"},
		{"missing name", apitest.Admin, map[string]any{"slug": "n", "project_id": pid}, 422, "validation_failed", "name"},
		{"blank name", apitest.Admin, map[string]any{"name": "   ", "slug": "n", "project_id": pid}, 422, "validation_failed", "name"},
		{"wrong type", apitest.Admin, map[string]any{"name": 5, "slug": "n", "project_id": pid}, 422, "validation_failed", "name"},
		{"unknown field", apitest.Admin, map[string]any{"name": "x", "slug": "n", "project_id": pid, "colour": "red"}, 422, "validation_failed", "colour"},
		{"project id not uuid", apitest.Admin, map[string]any{"name": "x", "slug": "n", "project_id": "42"}, 422, "validation_failed", "project_id"},
		{"malformed json", apitest.Admin, `{"name":`, 400, "bad_request", ""},
		{"trailing garbage", apitest.Admin, `{"name":"x","slug":"n","project_id":"` + pid + `"} x`, 422, "validation_failed", "body"},
		{"array body", apitest.Admin, `[1]`, 422, "validation_failed", "body"},
		{"no token", "", map[string]any{"name": "x", "slug": "n", "project_id": pid}, 401, "unauthorized", ""},
		{"garbage token", "slw_nope", map[string]any{"name": "x", "slug": "n", "project_id": pid}, 401, "unauthorized", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.Do(req{Method: "POST", Path: "/applications", Token: tc.token, Body: tc.body})
			expect(t, resp, tc.status, tc.code)
			if tc.field != "" && fieldOf(resp) != tc.field {
				t.Fatalf("field %q, want %q: %s", fieldOf(resp), tc.field, resp.Body)
			}
		})
	}
}

func TestMediaTypeAndSize(t *testing.T) {
	env := newEnv(t)
	r := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin, Body: "{}", Header: map[string]string{"Content-Type": "text/plain"}})
	expect(t, r, 415, "unsupported_media_type")
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	r = env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin, Body: big})
	expect(t, r, 413, "payload_too_large")
}

func TestListAndGetApplications(t *testing.T) {
	env := newEnv(t)
	for _, slug := range []string{"worker", "api", "web"} {
		createApp(t, env, slug)
	}
	list := env.Do(req{Method: "GET", Path: "/applications/acme/shop", Token: apitest.Member})
	expect(t, list, 200, "")
	var slugs []string
	for _, a := range list.Array() {
		slugs = append(slugs, a["slug"].(string))
		for _, f := range []string{"latest_image_version", "latest_release_version", "latest_deployment_complete"} {
			if v, ok := a[f]; !ok || v != nil {
				t.Errorf("%s = %v (present %v), want null", f, v, ok)
			}
		}
	}
	if fmt.Sprint(slugs) != "[api web worker]" {
		t.Fatalf("slugs %v", slugs)
	}
	get := env.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Member})
	expect(t, get, 200, "")
	if get.Header.Get("ETag") != `"v1"` {
		t.Fatalf("ETag %q", get.Header.Get("ETag"))
	}
	for _, tc := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"missing app", "/applications/acme/shop/nope", apitest.Member, 404, "not_found"},
		{"other org", "/applications/acme/shop/web", apitest.OtherAdmin, 404, "not_found"},
		{"other org list", "/applications/acme/shop", apitest.OtherMember, 404, "not_found"},
		{"missing project", "/applications/acme/nope", apitest.Admin, 404, "not_found"},
		{"missing org", "/applications/nope/shop", apitest.Platform, 404, "not_found"},
		{"platform sees all", "/applications/globex/shop", apitest.Platform, 200, ""},
		{"no token", "/applications/acme/shop/web", "", 401, "unauthorized"},
		{"no token, missing app", "/applications/acme/shop/nope", "", 401, "unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, env.Do(req{Method: "GET", Path: tc.path, Token: tc.token}), tc.status, tc.code)
		})
	}
	empty := env.Do(req{Method: "GET", Path: "/applications/globex/shop", Token: apitest.OtherMember})
	if string(empty.Body) != "[]\n" {
		t.Fatalf("empty list body %q", empty.Body)
	}
}

func TestUpdateSettings(t *testing.T) {
	env := newEnv(t)
	id := createApp(t, env, "web")["id"].(string)
	path := "/applications/" + id + "/settings"
	expect(t, env.Do(req{Method: "PUT", Path: "/organizations/acme/github-installations/12345", Token: apitest.Platform}), 200, "")
	ok := env.Do(req{Method: "PATCH", Path: path, Token: apitest.Admin, Body: map[string]any{
		"github_repository": "acme/shop-web", "auto_deploy_branch": "main", "subdirectory": "services/web",
		"deployment_timeout": 300, "health_check_host": "web.acme.test", "github_app_installation_id": 12345,
		"github_repository_is_private": true, "github_environment_name": "production",
	}})
	expect(t, ok, 200, "")
	app := ok.JSON()
	if app["github_repository"] != "acme/shop-web" || app["deployment_timeout"] != float64(300) || app["github_repository_is_private"] != true {
		t.Fatalf("patched %s", ok.Body)
	}
	if ok.Header.Get("ETag") != `"v2"` {
		t.Fatalf("ETag %q", ok.Header.Get("ETag"))
	}
	cleared := env.Do(req{Method: "PATCH", Path: path, Token: apitest.Admin, Body: map[string]any{"subdirectory": nil}})
	expect(t, cleared, 200, "")
	if v, present := cleared.JSON()["subdirectory"]; !present || v != nil {
		t.Fatalf("subdirectory not cleared: %s", cleared.Body)
	}
	if cleared.JSON()["auto_deploy_branch"] != "main" {
		t.Fatal("absent field changed")
	}

	expect(t, env.Do(req{Method: "PUT", Path: "/organizations/globex/github-installations/888", Token: apitest.Platform}), 200, "")
	for _, tc := range []struct {
		name   string
		token  string
		body   any
		header map[string]string
		status int
		field  string
	}{
		{"bad repository", apitest.Admin, map[string]any{"github_repository": "no-slash"}, nil, 422, "github_repository"},
		{"branch with space", apitest.Admin, map[string]any{"auto_deploy_branch": "my branch"}, nil, 422, "auto_deploy_branch"},
		{"branch dots", apitest.Admin, map[string]any{"auto_deploy_branch": "a..b"}, nil, 422, "auto_deploy_branch"},
		{"branch dash", apitest.Admin, map[string]any{"auto_deploy_branch": "-x"}, nil, 422, "auto_deploy_branch"},
		{"subdir parent", apitest.Admin, map[string]any{"subdirectory": "a/../b"}, nil, 422, "subdirectory"},
		{"subdir absolute", apitest.Admin, map[string]any{"subdirectory": "/a"}, nil, 422, "subdirectory"},
		{"installation zero", apitest.Admin, map[string]any{"github_app_installation_id": 0}, nil, 422, "github_app_installation_id"},
		{"installation float", apitest.Admin, map[string]any{"github_app_installation_id": 1.5}, nil, 422, "github_app_installation_id"},
		{"installation not linked", apitest.Admin, map[string]any{"github_app_installation_id": 777}, nil, 422, "github_app_installation_id"},
		{"installation of globex", apitest.Admin, map[string]any{"github_app_installation_id": 888}, nil, 422, "github_app_installation_id"},
		{"timeout low", apitest.Admin, map[string]any{"deployment_timeout": 29}, nil, 422, "deployment_timeout"},
		{"timeout high", apitest.Admin, map[string]any{"deployment_timeout": 3601}, nil, 422, "deployment_timeout"},
		{"timeout string", apitest.Admin, map[string]any{"deployment_timeout": "60"}, nil, 422, "deployment_timeout"},
		{"health path relative", apitest.Admin, map[string]any{"health_check_path": "health"}, nil, 422, "health_check_path"},
		{"health path space", apitest.Admin, map[string]any{"health_check_path": "/a b"}, nil, 422, "health_check_path"},
		{"health path long", apitest.Admin, map[string]any{"health_check_path": "/" + strings.Repeat("a", 64)}, nil, 422, "health_check_path"},
		{"health path null", apitest.Admin, map[string]any{"health_check_path": nil}, nil, 422, "health_check_path"},
		{"bad host", apitest.Admin, map[string]any{"health_check_host": "-bad-.example"}, nil, 422, "health_check_host"},
		{"env name empty", apitest.Admin, map[string]any{"github_environment_name": ""}, nil, 422, "github_environment_name"},
		{"private null", apitest.Admin, map[string]any{"github_repository_is_private": nil}, nil, 422, "github_repository_is_private"},
		{"privileged is not a setting", apitest.Admin, map[string]any{"privileged": true}, nil, 422, "privileged"},
		{"name is not a setting", apitest.Admin, map[string]any{"name": "x"}, nil, 422, "name"},
		{"member", apitest.Member, map[string]any{"subdirectory": "x"}, nil, 403, ""},
		{"other org", apitest.OtherAdmin, map[string]any{"subdirectory": "x"}, nil, 404, ""},
		{"other org stale etag", apitest.OtherAdmin, map[string]any{"subdirectory": "x"}, map[string]string{"If-Match": `"v1"`}, 404, ""},
		{"stale if-match", apitest.Admin, map[string]any{"subdirectory": "x"}, map[string]string{"If-Match": `"v1"`}, 412, ""},
		{"garbage if-match", apitest.Admin, map[string]any{"subdirectory": "x"}, map[string]string{"If-Match": `abc`}, 412, ""},
		{"no token", "", map[string]any{"subdirectory": "x"}, nil, 401, ""},
		{"no token bad body", "", `{`, nil, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.Do(req{Method: "PATCH", Path: path, Token: tc.token, Body: tc.body, Header: tc.header})
			expect(t, resp, tc.status, "")
			if tc.field != "" && fieldOf(resp) != tc.field {
				t.Fatalf("field %q, want %q: %s", fieldOf(resp), tc.field, resp.Body)
			}
		})
	}
	current := env.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Admin})
	etag := current.Header.Get("ETag")
	fresh := env.Do(req{Method: "PATCH", Path: path, Token: apitest.Admin, Body: map[string]any{"subdirectory": "y"}, Header: map[string]string{"If-Match": etag}})
	expect(t, fresh, 200, "")
	if current.JSON()["subdirectory"] != nil {
		t.Fatalf("a refused request changed the application: %s", current.Body)
	}
	expect(t, env.Do(req{Method: "PATCH", Path: "/applications/" + env.IDs.NewID() + "/settings", Token: apitest.Platform, Body: map[string]any{}}), 404, "not_found")
	expect(t, env.Do(req{Method: "PATCH", Path: "/applications/not-a-uuid/settings", Token: apitest.Platform, Body: map[string]any{}}), 404, "not_found")
}

func TestScale(t *testing.T) {
	env := newEnv(t)
	id := createApp(t, env, "web")["id"].(string)
	path := "/applications/" + id + "/scale"
	r := env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: map[string]any{
		"process_counts": map[string]int{"web": 3}, "process_pod_classes": map[string]string{"web": "c1.large"}}})
	expect(t, r, 200, "")
	r = env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: map[string]any{"process_counts": map[string]int{"worker": 1}}})
	expect(t, r, 200, "")
	app := r.JSON()
	counts := app["process_counts"].(map[string]any)
	if counts["web"] != float64(3) || counts["worker"] != float64(1) || app["process_pod_classes"].(map[string]any)["web"] != "c1.large" {
		t.Fatalf("merged maps wrong: %s", r.Body)
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"count too high", map[string]any{"process_counts": map[string]any{"web": 101}}, "process_counts.web"},
		{"negative", map[string]any{"process_counts": map[string]any{"web": -1}}, "process_counts.web"},
		{"fraction", map[string]any{"process_counts": map[string]any{"web": 1.5}}, "process_counts.web"},
		{"string count", map[string]any{"process_counts": map[string]any{"web": "2"}}, "process_counts.web"},
		{"bad class", map[string]any{"process_pod_classes": map[string]any{"web": "x9.huge"}}, "process_pod_classes.web"},
		{"bad process name", map[string]any{"process_counts": map[string]any{"Web_1": 1}}, "process_counts.Web_1"},
		{"counts not object", map[string]any{"process_counts": []int{1}}, "process_counts"},
		{"counts null", map[string]any{"process_counts": nil}, "process_counts"},
		{"pod classes null", map[string]any{"process_pod_classes": nil}, "process_pod_classes"},
		{"unknown field", map[string]any{"replicas": 2}, "replicas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: tc.body})
			expect(t, resp, 422, "validation_failed")
			if fieldOf(resp) != tc.field {
				t.Fatalf("field %q, want %q: %s", fieldOf(resp), tc.field, resp.Body)
			}
		})
	}
	expect(t, env.Do(req{Method: "POST", Path: path, Token: apitest.Member, Body: map[string]any{}}), 403, "forbidden")
	expect(t, env.Do(req{Method: "POST", Path: path, Token: apitest.OtherAdmin, Body: map[string]any{}}), 404, "not_found")
}

func TestConcurrentEditsLoseNothing(t *testing.T) {
	env := newEnv(t)
	id := createApp(t, env, "web")["id"].(string)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp *apitest.Response
			if i%2 == 0 {
				resp = env.Do(req{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin,
					Body: map[string]any{"process_counts": map[string]int{fmt.Sprintf("p%d", i): i}}})
			} else {
				resp = env.Do(req{Method: "PATCH", Path: "/applications/" + id + "/settings", Token: apitest.Admin,
					Body: map[string]any{"github_environment_name": fmt.Sprintf("env-%d", i)}})
			}
			if resp.Status != 200 {
				t.Errorf("status %d: %s", resp.Status, resp.Body)
			}
		}()
	}
	wg.Wait()
	app := env.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Admin})
	if got := len(app.JSON()["process_counts"].(map[string]any)); got != n/2 {
		t.Fatalf("%d of %d scale edits survived: %s", got, n/2, app.Body)
	}
	if app.Header.Get("ETag") != fmt.Sprintf(`"v%d"`, n+1) {
		t.Fatalf("ETag %s after %d edits", app.Header.Get("ETag"), n)
	}
}

func TestConcurrentCreatesOfOneSlug(t *testing.T) {
	env := newEnv(t)
	const n = 10
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin,
				Body: map[string]any{"name": "x", "slug": "race", "project_id": env.Projects["acme/shop"].ID}}).Status
		}()
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		switch s {
		case 201:
			created++
		case 409, 503:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if created != 1 {
		t.Fatalf("%d creates succeeded, want 1", created)
	}
}
