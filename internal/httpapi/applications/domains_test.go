package applications_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
)

// countingTrigger records the route checks the routes start.
type countingTrigger struct {
	mu   sync.Mutex
	apps []string
}

func (c *countingTrigger) TriggerRouteCheck(_ context.Context, appID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apps = append(c.apps, appID)
	return nil
}

func newDomainEnv(t *testing.T, trigger *countingTrigger) *apitest.Env {
	return apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return applications.Routes(applications.Deps{Store: env.Store, OpenAPI: []byte("openapi: 3.1.0\n"), AppsDomain: "apps.example.net", Routes: trigger})
	})
}

// TestDomainRoutes: the hostname rules (422 naming hostname), the apps
// domain refused, a route check started for each change and none for a
// refusal, 404 for a domain the application lacks.
func TestDomainRoutes(t *testing.T) {
	trigger := &countingTrigger{}
	env := newDomainEnv(t, trigger)
	id := createApp(t, env, "web")["id"].(string)
	path := "/applications/" + id + "/domains"
	for _, host := range []string{"", "WWW.example.com", "example", "a..b.com", "-a.example.com", "web-shop-acme.apps.example.net", "apps.example.net", "1.2.3.4"} {
		resp := env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: map[string]any{"hostname": host}})
		expect(t, resp, http.StatusUnprocessableEntity, "validation_failed")
		if errs, _ := resp.JSON()["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "hostname" {
			t.Errorf("%q: %s", host, resp.Body)
		}
	}
	expect(t, env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: map[string]any{"hostname": "www.example.com", "x": 1}}), 422, "validation_failed")
	if len(trigger.apps) != 0 {
		t.Fatalf("refusals started route checks: %v", trigger.apps)
	}
	resp := env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: map[string]any{"hostname": "www.example.com"}})
	if resp.Status != http.StatusCreated || resp.Header.Get("Location") != path+"/www.example.com" || resp.JSON()["status"] != "pending" {
		t.Fatalf("add: %d %v %s", resp.Status, resp.Header, resp.Body)
	}
	expect(t, env.Do(req{Method: "POST", Path: path, Token: apitest.Admin, Body: map[string]any{"hostname": "www.example.com"}}), 409, "conflict")
	expect(t, env.Do(req{Method: "POST", Path: path, Token: apitest.Member, Body: map[string]any{"hostname": "x.example.com"}}), 403, "forbidden")
	got := env.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Member})
	if got.JSON()["web_url"] != nil {
		t.Errorf("web_url before a release: %s", got.Body)
	}
	expect(t, env.Do(req{Method: "DELETE", Path: path + "/nope.example.com", Token: apitest.Admin}), 404, "not_found")
	if resp := env.Do(req{Method: "DELETE", Path: path + "/www.example.com", Token: apitest.Admin}); resp.Status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", resp.Status, resp.Body)
	}
	if len(trigger.apps) != 2 || trigger.apps[0] != id || trigger.apps[1] != id {
		t.Fatalf("route checks started: %v, want two of %s", trigger.apps, id)
	}
}

// TestDomainRace: concurrent POSTs of one hostname to two applications:
// one 201, one 409, over and over.
func TestDomainRace(t *testing.T) {
	env := newDomainEnv(t, &countingTrigger{})
	if env.Embedded == nil {
		t.Skip("concurrent transactions are not isolated on moto_server; the race runs on the embedded server")
	}
	a, b := createApp(t, env, "a")["id"].(string), createApp(t, env, "b")["id"].(string)
	for _, host := range []string{"r1.example.com", "r2.example.com", "r3.example.com", "r4.example.com"} {
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, id := range []string{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = env.Do(req{Method: "POST", Path: "/applications/" + id + "/domains", Token: apitest.Admin, Body: map[string]any{"hostname": host}}).Status
			}()
		}
		wg.Wait()
		if !(statuses[0] == 201 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 201) {
			t.Fatalf("%s: statuses %v, want one 201 and one 409", host, statuses)
		}
	}
}
