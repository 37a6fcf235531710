package devstack_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/httpapi"
)

// syncBuffer is a log sink the server's goroutines may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecretsNeverLogged drives the flows that handle secrets — a token
// created, used, refused after revocation, and a failed request; webhook
// deliveries with good and bad signatures — with debug logging on, and
// checks that no token secret, token hash or webhook secret reaches the
// log. It replaces the process-wide slog default, so it does not run in
// parallel.
func TestSecretsNeverLogged(t *testing.T) {
	var logs syncBuffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(previous) })

	c, stack, _ := startStack(t, nil)
	id := newApp(t, c, "quiet")

	status, created := c.do("POST", "/organizations/demo/tokens", `{"name":"ci","role":"admin"}`)
	if status != 201 {
		t.Fatalf("create token: %d %v", status, created)
	}
	secret, _ := created["token"].(string)
	if secret == "" {
		t.Fatalf("no secret in %v", created)
	}
	admin := c
	admin.token = secret
	if status, _ := admin.do("GET", "/organizations/demo/projects", ""); status != 200 {
		t.Fatalf("the new token was refused: %d", status)
	}
	if status, _ := admin.do("POST", "/applications/"+id+"/scale", `{"process_counts":{"web":-1}}`); status != 422 {
		t.Fatalf("bad scale: %d", status)
	}
	if status, _ := c.do("DELETE", "/organizations/demo/tokens/"+created["id"].(string), ""); status != 204 {
		t.Fatalf("revoke: %d", status)
	}
	if status, _ := admin.do("GET", "/organizations/demo/projects", ""); status != 401 {
		t.Fatalf("a revoked token was accepted: %d", status)
	}

	body := `{"zen":"Keep it logically awesome.","hook_id":1}`
	for _, sig := range []string{github.Signature([]byte("local-secret"), []byte(body)), github.Signature([]byte("wrong"), []byte(body)), "sha256=zz"} {
		c.do("POST", "/webhooks/github", body, "X-GitHub-Event", "ping", "X-GitHub-Delivery", "quiet-"+sig[len(sig)-2:], "X-Hub-Signature-256", sig)
	}
	stack.Runner.Wait()

	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("debug request lines were not logged; the check would prove nothing:\n%s", out)
	}
	for name, s := range map[string]string{
		"dev token": "slw_test", "dev token hash": httpapi.HashToken("slw_test"),
		"created token": secret, "created token hash": httpapi.HashToken(secret),
		"webhook secret": "local-secret",
	} {
		if strings.Contains(out, s) {
			t.Errorf("the %s appears in the log", name)
		}
	}
}
