package devstack_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/devstack"
)

// TestDashboardOnTheAPIOrigin: the local system serves the dashboard at
// /ui/ beside the API, on one origin, with the page's headers; every
// other path still reaches the API.
func TestDashboardOnTheAPIOrigin(t *testing.T) {
	stack, err := devstack.Start(context.Background(), devstack.Options{Addr: "127.0.0.1:0", DevToken: "slw_test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	if stack.DashboardURL() != stack.URL+"/ui/" {
		t.Errorf("DashboardURL %q", stack.DashboardURL())
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		path, auth string
		status     int
		ctype      string
		body       string
		csp        bool
	}{
		{path: "/ui/", status: 200, ctype: "text/html", body: "<title>Slipway</title>", csp: true},
		{path: "/ui/o/demo/demo/web", status: 200, ctype: "text/html", body: `type="module"`, csp: true},
		{path: "/ui", status: 308, csp: true},
		{path: "/ui/assets/nope.js", status: 404, csp: true},
		{path: "/organizations", auth: "slw_test", status: 200, ctype: "application/json", body: `"slug":"demo"`},
		{path: "/organizations", status: 401, ctype: "application/problem+json"},
		{path: "/uix", status: 404, ctype: "application/problem+json"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			req, _ := http.NewRequest("GET", stack.URL+tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", "Bearer "+tc.auth)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(string(body), tc.body) {
				t.Fatalf("%d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if got := resp.Header.Get("Content-Security-Policy") != ""; got != tc.csp {
				t.Errorf("CSP set: %v, want %v", got, tc.csp)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}
