package applications_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
)

// TestDynamoDBRequestsPerRoute pins how many DynamoDB requests each route
// makes (docs/dynamodb.md lists them) and that reads overlap the token
// lookup: one round trip of latency for Get and List, token check included.
func TestDynamoDBRequestsPerRoute(t *testing.T) {
	env := newEnv(t)
	app := createApp(t, env, "web")
	id := app["id"].(string)
	for _, tc := range []struct {
		name string
		r    req
		want string
		// inFlight is how many requests run at once (0: one after the other).
		inFlight int
	}{
		{"get application", req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Member}, "[GetItem GetItem]", 2},
		{"list applications", req{Method: "GET", Path: "/applications/acme/shop", Token: apitest.Member}, "[GetItem Query]", 2},
		{"list projects", req{Method: "GET", Path: "/organizations/acme/projects", Token: apitest.Member}, "[GetItem Query]", 2},
		{"create application", req{Method: "POST", Path: "/applications", Token: apitest.Admin,
			Body: map[string]any{"name": "x", "slug": "api", "project_id": env.Projects["acme/shop"].ID}}, "[GetItem GetItem TransactWriteItems]", 0},
		{"scale", req{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin,
			Body: map[string]any{"process_counts": map[string]int{"web": 2}}}, "[GetItem GetItem TransactWriteItems]", 0},
		{"settings", req{Method: "PATCH", Path: "/applications/" + id + "/settings", Token: apitest.Admin,
			Body: map[string]any{"subdirectory": "web"}}, "[GetItem GetItem TransactWriteItems]", 0},
		// Custom domains: the application item holds them; the guard and the
		// route-check marker go in the application's transaction.
		{"add domain", req{Method: "POST", Path: "/applications/" + id + "/domains", Token: apitest.Admin,
			Body: map[string]any{"hostname": "www.example.com"}}, "[GetItem GetItem TransactWriteItems]", 0},
		{"list domains", req{Method: "GET", Path: "/applications/" + id + "/domains", Token: apitest.Member}, "[GetItem GetItem]", 2},
		{"remove domain", req{Method: "DELETE", Path: "/applications/" + id + "/domains/www.example.com", Token: apitest.Admin}, "[GetItem GetItem TransactWriteItems]", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.Requests.Reset()
			if tc.inFlight > 0 {
				env.Requests.HoldUntil(tc.inFlight)
			}
			resp := env.Do(tc.r)
			if resp.Status >= 300 {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			calls := env.Requests.Calls()
			sort.Strings(calls)
			if got := fmt.Sprint(calls); got != tc.want {
				t.Fatalf("requests %s, want %s", got, tc.want)
			}
			if tc.inFlight > 0 && env.Requests.MaxInFlight() != tc.inFlight {
				t.Fatalf("the token lookup and the read did not overlap (max in flight %d)", env.Requests.MaxInFlight())
			}
		})
	}
}
