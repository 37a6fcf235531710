package devstack_test

import (
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// TestLocalRevocationIsImmediate: the local system caches tokens it found
// (devstack.TokenCacheTTL), and a token revoked through the API is refused
// on its very next request all the same.
func TestLocalRevocationIsImmediate(t *testing.T) {
	c, _, _ := startStack(t, nil)
	status, created := c.do("POST", "/organizations/demo/tokens", `{"name":"ci","role":"admin"}`)
	if status != 201 {
		t.Fatalf("create token: %d %v", status, created)
	}
	ci := client{t: t, base: c.base, token: created["token"].(string)}
	for range 3 { // found, then from the cache
		if status, body := ci.do("GET", "/organizations/demo/projects", ""); status != 200 {
			t.Fatalf("with the new token: %d %v", status, body)
		}
	}
	if status, body := c.do("DELETE", "/organizations/demo/tokens/"+created["id"].(string), ""); status != 204 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	if status, _ := ci.do("GET", "/organizations/demo/projects", ""); status != 401 {
		t.Fatalf("the revoked token's next request: %d, want 401", status)
	}
}

// TestLocalReleaseTagsKeepImages: on the local system a deploy tags the
// release's image in the repository simulator, and the teardown of the
// deleted application removes the tag.
func TestLocalReleaseTagsKeepImages(t *testing.T) {
	c, stack, _ := startStack(t, nil)
	id := newApp(t, c, "web")
	if status, body := c.do("POST", "/applications/"+id+"/deploy", ""); status != 202 {
		t.Fatalf("deploy: %d %v", status, body)
	}
	stack.Runner.Wait()
	tags := stack.Images.Tagged(platform.ReleaseImageTagPrefix + id)
	_, app := c.do("GET", "/applications/"+id, "")
	if len(tags) != 1 || !strings.Contains(tags[platform.ReleaseImageTag(id, 1)], "@sha256:") {
		t.Fatalf("release tags after the deploy: %v (application %v)", tags, app)
	}
	if status, body := c.do("DELETE", "/applications/"+id, ""); status != 202 {
		t.Fatalf("delete: %d %v", status, body)
	}
	stack.Teardowns.Wait()
	if tags := stack.Images.Tagged(platform.ReleaseImageTagPrefix + id); len(tags) != 0 {
		t.Fatalf("release tags after the teardown: %v", tags)
	}
}
