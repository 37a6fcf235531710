package applications_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
)

func TestOrganizations(t *testing.T) {
	env := newEnv(t)
	r := env.Do(req{Method: "POST", Path: "/organizations", Token: apitest.Platform, Body: map[string]any{"name": " Initech ", "slug": "initech"}})
	expect(t, r, 201, "")
	if r.JSON()["name"] != "Initech" || r.JSON()["slug"] != "initech" {
		t.Fatalf("created %s", r.Body)
	}
	expect(t, env.Do(req{Method: "POST", Path: "/organizations", Token: apitest.Platform, Body: map[string]any{"name": "x", "slug": "initech"}}), 409, "conflict")
	expect(t, env.Do(req{Method: "POST", Path: "/organizations", Token: apitest.Admin, Body: map[string]any{"name": "x", "slug": "y"}}), 403, "forbidden")
	expect(t, env.Do(req{Method: "POST", Path: "/organizations", Token: apitest.Platform, Body: map[string]any{"name": "x", "slug": "-y"}}), 422, "validation_failed")

	all := env.Do(req{Method: "GET", Path: "/organizations?limit=2", Token: apitest.Platform})
	expect(t, all, 200, "")
	page := all.JSON()
	items := page["items"].([]any)
	pg := page["pagination"].(map[string]any)
	if len(items) != 2 || items[0].(map[string]any)["slug"] != "initech" || pg["has_more"] != true || pg["limit"] != float64(2) {
		t.Fatalf("first page %s", all.Body)
	}
	if link := all.Header.Get("Link"); !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "cursor=") {
		t.Fatalf("Link %q", link)
	}
	next := env.Do(req{Method: "GET", Path: "/organizations?limit=2&cursor=" + pg["next_cursor"].(string), Token: apitest.Platform})
	expect(t, next, 200, "")
	np := next.JSON()
	if len(np["items"].([]any)) != 1 || np["pagination"].(map[string]any)["next_cursor"] != nil || next.Header.Get("Link") != "" {
		t.Fatalf("last page %s", next.Body)
	}
	own := env.Do(req{Method: "GET", Path: "/organizations", Token: apitest.Member})
	expect(t, own, 200, "")
	if it := own.JSON()["items"].([]any); len(it) != 1 || it[0].(map[string]any)["slug"] != "acme" {
		t.Fatalf("member sees %s", own.Body)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=bogus"} {
		resp := env.Do(req{Method: "GET", Path: "/organizations?" + q, Token: apitest.Platform})
		if resp.Status != 422 && resp.Status != 400 {
			t.Errorf("%s: status %d", q, resp.Status)
		}
	}
}

func TestProjects(t *testing.T) {
	env := newEnv(t)
	r := env.Do(req{Method: "POST", Path: "/organizations/acme/projects", Token: apitest.Admin, Body: map[string]any{"name": "Billing", "slug": "billing"}})
	expect(t, r, 201, "")
	if r.JSON()["organization_slug"] != "acme" || r.JSON()["organization_id"] == "" {
		t.Fatalf("project %s", r.Body)
	}
	for _, tc := range []struct {
		name, token, org string
		body             any
		status           int
	}{
		{"duplicate", apitest.Admin, "acme", map[string]any{"name": "x", "slug": "billing"}, 409},
		{"same slug other org", apitest.OtherAdmin, "globex", map[string]any{"name": "x", "slug": "billing"}, 201},
		{"reserved", apitest.Admin, "acme", map[string]any{"name": "x", "slug": "deployments"}, 422},
		{"member", apitest.Member, "acme", map[string]any{"name": "x", "slug": "m"}, 403},
		{"other org", apitest.OtherAdmin, "acme", map[string]any{"name": "x", "slug": "o"}, 404},
		{"missing org", apitest.Platform, "nope", map[string]any{"name": "x", "slug": "o"}, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, env.Do(req{Method: "POST", Path: "/organizations/" + tc.org + "/projects", Token: tc.token, Body: tc.body}), tc.status, "")
		})
	}
	list := env.Do(req{Method: "GET", Path: "/organizations/acme/projects", Token: apitest.Member})
	expect(t, list, 200, "")
	items := list.JSON()["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["slug"] != "billing" {
		t.Fatalf("newest first: %s", list.Body)
	}
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/acme/projects", Token: apitest.OtherMember}), 404, "not_found")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/nope/projects", Token: apitest.Platform}), 404, "not_found")
	// A cursor from another list is refused.
	first := env.Do(req{Method: "GET", Path: "/organizations/acme/projects?limit=1", Token: apitest.Admin}).JSON()
	cursor := first["pagination"].(map[string]any)["next_cursor"].(string)
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/globex/projects?cursor=" + cursor, Token: apitest.Platform}), 400, "bad_request")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations?cursor=" + cursor, Token: apitest.Platform}), 400, "bad_request")
}

func TestTokens(t *testing.T) {
	env := newEnv(t)
	r := env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: map[string]any{"name": "ci", "role": "member"}})
	expect(t, r, 201, "")
	tok := r.JSON()
	secret, id := tok["token"].(string), tok["id"].(string)
	if !strings.HasPrefix(secret, "slw_") || tok["role"] != "member" {
		t.Fatalf("token %s", r.Body)
	}
	expect(t, env.Do(req{Method: "GET", Path: "/applications/acme/shop", Token: secret}), 200, "")
	expect(t, env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: secret, Body: map[string]any{"name": "x", "role": "admin"}}), 403, "forbidden")
	expect(t, env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: map[string]any{"name": "x", "role": "platform"}}), 422, "validation_failed")
	expect(t, env.Do(req{Method: "DELETE", Path: "/organizations/globex/tokens/" + id, Token: apitest.OtherAdmin}), 404, "not_found")
	expect(t, env.Do(req{Method: "DELETE", Path: "/organizations/acme/tokens/" + id, Token: apitest.Member}), 403, "forbidden")
	expect(t, env.Do(req{Method: "DELETE", Path: "/organizations/acme/tokens/" + id, Token: apitest.Admin}), 204, "")
	expect(t, env.Do(req{Method: "GET", Path: "/applications/acme/shop", Token: secret}), 401, "unauthorized")
	expect(t, env.Do(req{Method: "DELETE", Path: "/organizations/acme/tokens/" + id, Token: apitest.Admin}), 404, "not_found")
	expect(t, env.Do(req{Method: "DELETE", Path: "/organizations/acme/tokens/xyz", Token: apitest.Admin}), 404, "not_found")

	// The secret is never stored for replay: a repeated key is a 409.
	key := map[string]string{"Idempotency-Key": "tok-1"}
	body := map[string]any{"name": "deploy", "role": "admin"}
	expect(t, env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: body, Header: key}), 201, "")
	expect(t, env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: body, Header: key}), 409, "conflict")
	// A refused token creation holds no secret: its repeat is the same 422.
	bad := map[string]any{"name": "deploy", "role": "owner"}
	badKey := map[string]string{"Idempotency-Key": "tok-2"}
	first := env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: bad, Header: badKey})
	expect(t, first, 422, "validation_failed")
	again := env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: bad, Header: badKey})
	expect(t, again, 422, "validation_failed")
	if again.Header.Get("Idempotent-Replayed") != "true" || fieldOf(again) != "role" {
		t.Fatalf("repeat of a refused creation: replayed %q, field %q", again.Header.Get("Idempotent-Replayed"), fieldOf(again))
	}
}

func TestIdempotencyKey(t *testing.T) {
	env := newEnv(t)
	body := map[string]any{"name": "Web", "slug": "web", "project_id": env.Projects["acme/shop"].ID}
	key := map[string]string{"Idempotency-Key": "create-web-1"}
	first := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin, Body: body, Header: key})
	expect(t, first, 201, "")
	again := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin, Body: body, Header: key})
	expect(t, again, 201, "")
	if string(again.Body) != string(first.Body) || again.Header.Get("Location") != first.Header.Get("Location") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	other := map[string]any{"name": "Web", "slug": "web2", "project_id": env.Projects["acme/shop"].ID}
	r := env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin, Body: other, Header: key})
	expect(t, r, 422, "validation_failed")
	if fieldOf(r) != "Idempotency-Key" {
		t.Fatalf("field %q", fieldOf(r))
	}
	// Keys are per token: another caller's same key is a new request.
	expect(t, env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Platform, Body: body, Header: key}), 409, "conflict")
	// Error responses are replayed too; a bad key is refused.
	expect(t, env.Do(req{Method: "POST", Path: "/applications", Token: apitest.Admin, Body: body, Header: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}}), 422, "validation_failed")
	expect(t, env.Do(req{Method: "POST", Path: "/applications", Token: "", Body: body, Header: key}), 401, "unauthorized")
}

func TestRouting(t *testing.T) {
	env := newEnv(t)
	r := env.Do(req{Method: "PUT", Path: "/applications", Token: apitest.Admin})
	expect(t, r, 405, "method_not_allowed")
	if r.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow %q", r.Header.Get("Allow"))
	}
	expect(t, env.Do(req{Method: "GET", Path: "/nope", Token: apitest.Admin}), 404, "not_found")
	h := env.Do(req{Method: "GET", Path: "/healthz"})
	expect(t, h, 200, "")
	if strings.TrimSpace(string(h.Body)) != `{"ok":true}` {
		t.Fatalf("healthz %s", h.Body)
	}
	expect(t, env.Do(req{Method: "GET", Path: "/openapi.yaml"}), 200, "")
	id := env.Do(req{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-Id": "abc-123"}})
	if id.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("request id not echoed: %q", id.Header.Get("X-Request-Id"))
	}
	bad := env.Do(req{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-Id": strings.Repeat("x", 300)}})
	if got := bad.Header.Get("X-Request-Id"); got == "" || len(got) > 128 {
		t.Fatalf("invalid request id kept: %q", got)
	}
	for _, h := range []string{"Bearer", "Basic abc", "Bearer " + strings.Repeat("x", 300), fmt.Sprintf("Bearer %s extra", env.Tokens[apitest.Admin])} {
		resp := env.Do(req{Method: "GET", Path: "/applications/acme/shop", Header: map[string]string{"Authorization": h}})
		expect(t, resp, 401, "unauthorized")
	}
}
