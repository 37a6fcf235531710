package lambdahttp_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// TestApplicationsFixtures sends every API Gateway v2 event of
// events/applications through the Lambda seam to the applications
// group, in a world seeded as the fixtures expect, and checks each lands
// on its handler (a named stage and a base64 body included).
func TestApplicationsFixtures(t *testing.T) {
	env := storetest.New(t)
	if err := devstack.SeedFixtures(context.Background(), env.Store); err != nil {
		t.Fatal(err)
	}
	handler := lambdahttp.Adapt(httpapi.NewHandler(httpapi.Config{Tokens: env.Store, Idempotency: env.Store},
		applications.Routes(applications.Deps{Store: env.Store, OpenAPI: slipway.OpenAPI})))
	for _, tc := range []struct {
		fixture string
		status  int
		want    string // in the body
	}{
		{"healthz", 200, `"ok":true`},
		{"openapi", 200, "openapi:"},
		{"create-organization", 409, "organization slug"},
		{"list-organizations", 200, `"slug":"demo"`},
		{"me", 200, `"role":"platform"`},
		{"create-project", 409, "project slug"},
		{"list-projects", 200, devstack.FixtureProjectID},
		{"create-application", 409, "application slug"},
		{"list-applications", 200, `"slug":"web"`},
		{"get-application", 200, devstack.FixtureApplicationID},
		{"get-application-named-stage", 200, devstack.FixtureApplicationID},
		{"update-settings", 200, `"deployment_timeout":300`},
		{"scale", 200, `"m1.small"`},
		{"scale-base64", 200, `"process_counts":{"web":2}`},
		{"create-token", 201, `"token":"slw_`},
		{"revoke-token", 204, ""},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "events", "applications", tc.fixture+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			resp, err := handler(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
				t.Fatalf("status %d, want %d, body %s", resp.StatusCode, tc.status, resp.Body)
			}
			if resp.Headers["X-Request-Id"] == "" {
				t.Fatal("no X-Request-Id")
			}
		})
	}
}

func TestBadBase64Body(t *testing.T) {
	handler := lambdahttp.Adapt(httpapi.NewHandler(httpapi.Config{}))
	resp, err := handler(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: "/applications", Body: "%%%not base64", IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}},
	})
	if err != nil || resp.StatusCode != 400 || !strings.Contains(resp.Body, "base64") || resp.Headers["X-Request-Id"] == "" {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
}
