package applications_test

import (
	"context"
	"errors"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/platform"
)

// fakeAccounts is a GitHub App that knows some installations.
type fakeAccounts struct {
	logins map[int64]string
	err    error
}

func (f fakeAccounts) InstallationAccount(_ context.Context, id int64) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	login, ok := f.logins[id]
	if !ok {
		return "", platform.NotFound("installation")
	}
	return login, nil
}

func TestInstallations(t *testing.T) {
	gh := &fakeAccounts{logins: map[int64]string{11: "acme-inc", 12: "acme-labs", 21: "globex"}}
	var accounts applications.InstallationAccounts = gh
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return applications.Routes(applications.Deps{Store: env.Store, GitHub: accounts})
	})
	put := func(org, id, token string) *apitest.Response {
		return env.Do(req{Method: "PUT", Path: "/organizations/" + org + "/github-installations/" + id, Token: token})
	}
	first := put("acme", "11", apitest.Platform)
	expect(t, first, 200, "")
	if v := first.JSON(); v["installation_id"] != float64(11) || v["account"] != "acme-inc" || v["created"] == nil {
		t.Fatalf("linked %s", first.Body)
	}
	again := put("acme", "11", apitest.Platform)
	expect(t, again, 200, "")
	if again.JSON()["created"] != first.JSON()["created"] {
		t.Fatalf("linking again changed the link: %s then %s", first.Body, again.Body)
	}
	expect(t, put("acme", "12", apitest.Platform), 200, "")

	for _, tc := range []struct {
		name, org, id, token string
		status               int
		code                 string
	}{
		{"another organization's", "globex", "11", apitest.Platform, 409, "conflict"},
		{"unknown to the App", "acme", "99", apitest.Platform, 422, "validation_failed"},
		{"not a number", "acme", "x1", apitest.Platform, 422, "validation_failed"},
		{"zero", "acme", "0", apitest.Platform, 422, "validation_failed"},
		{"missing organization", "nope", "21", apitest.Platform, 404, "not_found"},
		{"admin", "acme", "21", apitest.Admin, 403, "forbidden"},
		{"member", "acme", "21", apitest.Member, 403, "forbidden"},
		{"other organization's admin", "acme", "21", apitest.OtherAdmin, 404, "not_found"},
		{"no token", "acme", "21", "", 401, "unauthorized"},
	} {
		t.Run("put "+tc.name, func(t *testing.T) { expect(t, put(tc.org, tc.id, tc.token), tc.status, tc.code) })
	}

	list := env.Do(req{Method: "GET", Path: "/organizations/acme/github-installations", Token: apitest.Member})
	expect(t, list, 200, "")
	items := list.JSON()["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["installation_id"] != float64(11) || items[1].(map[string]any)["account"] != "acme-labs" {
		t.Fatalf("list %s", list.Body)
	}
	empty := env.Do(req{Method: "GET", Path: "/organizations/globex/github-installations", Token: apitest.OtherMember})
	expect(t, empty, 200, "")
	if string(empty.Body) != "{\"items\":[]}\n" {
		t.Fatalf("empty list %q", empty.Body)
	}
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/acme/github-installations", Token: apitest.OtherMember}), 404, "not_found")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/nope/github-installations", Token: apitest.Platform}), 404, "not_found")

	// An application of acme uses 11; unlinking it clears the setting.
	id := createApp(t, env, "web")["id"].(string)
	expect(t, env.Do(req{Method: "PATCH", Path: "/applications/" + id + "/settings", Token: apitest.Admin,
		Body: map[string]any{"github_app_installation_id": 11}}), 200, "")
	del := func(org, inst, token string) *apitest.Response {
		return env.Do(req{Method: "DELETE", Path: "/organizations/" + org + "/github-installations/" + inst, Token: token})
	}
	expect(t, del("globex", "11", apitest.Platform), 404, "not_found")
	expect(t, del("acme", "11", apitest.Admin), 403, "forbidden")
	expect(t, del("acme", "11", apitest.OtherAdmin), 404, "not_found")
	expect(t, del("acme", "x", apitest.Platform), 404, "not_found")
	expect(t, del("acme", "11", apitest.Platform), 204, "")
	expect(t, del("acme", "11", apitest.Platform), 404, "not_found")
	app, err := env.Store.GetApplication(context.Background(), id)
	if err != nil || app.GithubAppInstallationID != nil {
		t.Fatalf("unlinking left the application on the installation: %+v %v", app.GithubAppInstallationID, err)
	}
	// Free again: another organization may link it now.
	expect(t, put("globex", "11", apitest.Platform), 200, "")

	gh.err = errors.New("GitHub is down")
	expect(t, put("acme", "21", apitest.Platform), 503, "unavailable")
}

// TestInstallationsLocally: without a GitHub App the account is unknown
// (null) and any id may be linked.
func TestInstallationsLocally(t *testing.T) {
	env := newEnv(t)
	r := env.Do(req{Method: "PUT", Path: "/organizations/acme/github-installations/5", Token: apitest.Platform})
	expect(t, r, 200, "")
	if v, present := r.JSON()["account"]; !present || v != nil {
		t.Fatalf("account %s", r.Body)
	}
}
