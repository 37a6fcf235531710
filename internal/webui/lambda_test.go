package webui_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
	"github.com/slipway-paas/slipway/internal/webui"
	"github.com/slipway-paas/slipway/web"
)

// TestUIFixtures sends events/ui through the Lambda seam to UiFunction's
// handler, as API Gateway would, and checks the page's answer: what a
// browser gets through the HTTP API, assets included.
func TestUIFixtures(t *testing.T) {
	ui := webui.MustNew(web.Files)
	handler := lambdahttp.Adapt(httpapi.Frame(ui))
	invoke := func(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
		t.Helper()
		resp, err := handler(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Headers["X-Request-Id"] == "" || resp.Headers["Content-Security-Policy"] != webui.CSP || resp.Headers["X-Content-Type-Options"] != "nosniff" {
			t.Errorf("headers %v", resp.Headers)
		}
		return resp
	}
	load := func(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
		raw, err := os.ReadFile(filepath.Join("..", "..", "events", "ui", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	t.Run("redirect", func(t *testing.T) {
		resp := invoke(t, load(t, "redirect"))
		if resp.StatusCode != 308 || resp.Headers["Location"] != "/ui/" {
			t.Errorf("%d %v", resp.StatusCode, resp.Headers)
		}
	})
	t.Run("application-page and its assets", func(t *testing.T) {
		page := load(t, "application-page")
		resp := invoke(t, page)
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, "<title>Slipway</title>") || resp.Headers["Cache-Control"] != "no-cache" {
			t.Fatalf("%d %v %.200s", resp.StatusCode, resp.Headers, resp.Body)
		}
		js := ui.AssetPath("assets/app.js")
		ev := page
		ev.RawPath, ev.RequestContext.HTTP.Path = js, js
		ev.PathParameters = map[string]string{"proxy": strings.TrimPrefix(js, "/ui/")}
		resp = invoke(t, ev)
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, "export") && !strings.Contains(resp.Body, "function") ||
			resp.Headers["Cache-Control"] != "public, max-age=31536000, immutable" || !strings.HasPrefix(resp.Headers["Content-Type"], "text/javascript") {
			t.Errorf("%s: %d %v", js, resp.StatusCode, resp.Headers)
		}
		ev.RawPath, ev.RequestContext.HTTP.Path = "/ui/assets/app.0000000000.js", "/ui/assets/app.0000000000.js"
		if resp := invoke(t, ev); resp.StatusCode != 404 {
			t.Errorf("a stale asset: %d", resp.StatusCode)
		}
	})
}
