package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// recordingCluster runs the simulator and keeps every workload applied.
type recordingCluster struct {
	*sim.Cluster
	mu      sync.Mutex
	applied []pipeline.Workload
}

func (r *recordingCluster) Apply(ctx context.Context, w pipeline.Workload) error {
	r.mu.Lock()
	r.applied = append(r.applied, w)
	r.mu.Unlock()
	return r.Cluster.Apply(ctx, w)
}

func (r *recordingCluster) last() pipeline.Workload {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied[len(r.applied)-1]
}

// deliveryStack is a local system whose simulators write to lines and
// whose cluster records what it is given; raw keeps every response.
type deliveryStack struct {
	c       client
	stack   *devstack.Stack
	lines   *pipelineLog
	cluster *recordingCluster
	raw     []string
}

func startDeliveryStack(t *testing.T) *deliveryStack {
	t.Helper()
	clock := stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	lines := &pipelineLog{}
	cfg := sim.DefaultConfig()
	cfg.Logs = lines
	cluster := &recordingCluster{Cluster: sim.NewCluster(cfg, clock.Now)}
	stack, err := devstack.Start(context.Background(), devstack.Options{
		Addr: "127.0.0.1:0", DevToken: "slw_test", Clock: clock, Simulators: &cfg, Cluster: cluster, WebhookSecret: "local-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	return &deliveryStack{c: client{t: t, base: stack.URL, token: "slw_test"}, stack: stack, lines: lines, cluster: cluster}
}

// do sends a request, keeps the raw response and decodes it.
func (d *deliveryStack) do(method, path, body string) (int, map[string]any) {
	d.c.t.Helper()
	req, _ := http.NewRequest(method, d.c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	d.raw = append(d.raw, string(raw), fmt.Sprint(resp.Header))
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (d *deliveryStack) run(method, path, body string, want int) map[string]any {
	d.c.t.Helper()
	status, out := d.do(method, path, body)
	if status != want {
		d.c.t.Fatalf("%s %s: %d %v, want %d", method, path, status, out, want)
	}
	d.stack.Runner.Wait()
	return out
}

func runtimeOnly(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "runtime ") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// The values of TestLocalConfigDelivery: none may show anywhere.
var deliverySecrets = []string{"postgres://app:D3liv3ry@db/app", "sk_live_delivery_0001", "npm_delivery_token", "rotated-delivery-secret"}

// TestLocalConfigDelivery is config delivery on the local system end to
// end: vars set through the API reach the build (names in its log) and
// every instance (names in the runtime log, values in the workload); a
// PATCH restarts nothing; POST releases takes the new version; a rollback
// brings the old config back. No value appears in a response, a log line,
// a simulator line or a print of a workload.
func TestLocalConfigDelivery(t *testing.T) {
	var logs syncBuffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(previous) })

	d := startDeliveryStack(t)
	id := newApp(t, d.c, "delivered")
	cfg := "/applications/" + id + "/config"
	d.run("PATCH", cfg, fmt.Sprintf(`{"vars":{"LOG_LEVEL":"info","DATABASE_URL":{"value":%q,"secret":true},
		"API_KEY":{"value":%q,"secret":true,"scope":"both"},"NPM_TOKEN":{"value":%q,"secret":true,"scope":"build"},
		"NODE_ENV":{"value":"production","scope":"build"}}}`, deliverySecrets[0], deliverySecrets[1], deliverySecrets[2]), 200)
	d.lines.take()

	d.run("POST", "/applications/"+id+"/deploy", "", 202)
	lines := d.lines.take()
	if !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasSuffix(l, " build Config v1: build arguments: NODE_ENV; build secrets: API_KEY, NPM_TOKEN")
	}) {
		t.Fatalf("the build's lines %q", lines)
	}
	wantV1 := []string{
		"runtime v1 web.1: starting web with environment: API_KEY, DATABASE_URL, LOG_LEVEL, PORT",
	} // the worker runs no instance by default
	if got := runtimeOnly(lines); !slices.Equal(got, wantV1) {
		t.Fatalf("runtime lines %q\nwant %q", got, wantV1)
	}
	w := d.cluster.last()
	if v, _ := w.Env.Value("DATABASE_URL"); v != deliverySecrets[0] || w.ConfigVersion != 1 {
		t.Fatalf("release v1 got config v%d %v", w.ConfigVersion, w.Env)
	}

	// A config change restarts nothing.
	applies := len(d.cluster.applied)
	d.run("PATCH", cfg, fmt.Sprintf(`{"vars":{"DATABASE_URL":null,"API_KEY":{"value":%q,"secret":true},"FEATURE_X":"on"}}`, deliverySecrets[3]), 200)
	if got := d.lines.take(); len(got) != 0 || len(d.cluster.applied) != applies {
		t.Fatalf("a PATCH applied %d workloads, wrote %q", len(d.cluster.applied)-applies, got)
	}
	_, app := d.do("GET", "/applications/"+id, "")
	if rel := app["latest_release"].(map[string]any); rel["config_version"] != 1.0 {
		t.Fatalf("the release's config_version after a PATCH: %v", rel["config_version"])
	}

	// The next release takes config v2.
	d.run("POST", "/applications/"+id+"/releases", "", 202)
	wantV2 := []string{"runtime v2 web.1: starting web with environment: API_KEY, FEATURE_X, LOG_LEVEL, PORT"}
	if got := runtimeOnly(d.lines.take()); !slices.Equal(got, wantV2) {
		t.Fatalf("release v2 lines %q\nwant %q", got, wantV2)
	}
	if v, _ := d.cluster.last().Env.Value("API_KEY"); v != deliverySecrets[3] {
		t.Fatal("release v2 did not get the rotated API_KEY")
	}

	// A rollback to v1 restores v1's config.
	d.run("POST", "/applications/"+id+"/rollback", `{"release_version":1}`, 202)
	wantV3 := []string{"runtime v3 web.1: starting web with environment: API_KEY, DATABASE_URL, LOG_LEVEL, PORT"}
	if got := runtimeOnly(d.lines.take()); !slices.Equal(got, wantV3) {
		t.Fatalf("rollback lines %q\nwant %q", got, wantV3)
	}
	if w := d.cluster.last(); w.ConfigVersion != 1 {
		t.Fatalf("the rollback runs config v%d", w.ConfigVersion)
	} else if v, _ := w.Env.Value("API_KEY"); v != deliverySecrets[1] {
		t.Fatal("the rollback did not restore v1's API_KEY")
	}
	_, rels := d.do("GET", "/applications/"+id+"/releases", "")
	var pinned []string
	for _, r := range rels["items"].([]any) {
		r := r.(map[string]any)
		pinned = append(pinned, fmt.Sprintf("v%v:c%v", r["version"], r["config_version"]))
	}
	if got := strings.Join(pinned, " "); got != "v3:c1 v2:c2 v1:c1" {
		t.Fatalf("releases and their config versions: %s", got)
	}

	// Nothing of the scenario shows a value.
	seen := append([]string{logs.String()}, d.raw...)
	seen = append(seen, d.lines.take()...)
	for _, w := range d.cluster.applied {
		seen = append(seen, fmt.Sprintf("%v|%+v|%#v", w, w, w))
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) {
		t.Fatal("debug request lines were not logged; the scan would prove nothing")
	}
	for _, s := range seen {
		for _, v := range deliverySecrets {
			if strings.Contains(s, v) {
				t.Fatalf("the value %q shows in %.300s", v, s)
			}
		}
	}
}

// TestLocalLargestConfigDelivery takes the largest config the API accepts
// (500 vars, 256 KiB of names and values, half of them secrets) through a
// PATCH and a Full Deploy: the release gets every var intact, and the
// Kubernetes Secret rendered from it stays under 1 MiB.
func TestLocalLargestConfigDelivery(t *testing.T) {
	d := startDeliveryStack(t)
	id := newApp(t, d.c, "large")
	vars := map[string]any{}
	want := map[string]string{}
	const n = platform.MaxConfigVars
	per := platform.MaxConfigBytes / n
	for i := range n {
		name := fmt.Sprintf("VAR_%03d", i)
		value := strings.Repeat(string(rune('a'+i%26)), per-len(name))
		want[name] = value
		if i%2 == 0 {
			vars[name] = map[string]any{"value": value, "secret": true}
		} else {
			vars[name] = value
		}
	}
	body, _ := json.Marshal(map[string]any{"vars": vars})
	d.run("PATCH", "/applications/"+id+"/config", string(body), 200)
	d.run("POST", "/applications/"+id+"/deploy", "", 202)
	w := d.cluster.last()
	if w.Env.Len() != n || w.Env.Bytes() > platform.MaxConfigBytes {
		t.Fatalf("the release got %d vars, %d bytes", w.Env.Len(), w.Env.Bytes())
	}
	for name, v := range want {
		if got, _ := w.Env.Value(name); got != v {
			t.Fatalf("%s arrived changed (%d bytes, want %d)", name, len(got), len(v))
		}
	}
	secret, err := kube.RenderConfigSecret(w)
	if err != nil {
		t.Fatal(err)
	}
	size, _ := json.Marshal(secret)
	if len(secret.Data) != n || len(size) >= kube.MaxSecretBytes {
		t.Fatalf("the Secret has %d keys and takes %d bytes", len(secret.Data), len(size))
	}
	t.Logf("largest config: %d vars, %d bytes of names and values, PATCH body %d bytes, Secret %d bytes as JSON", n, w.Env.Bytes(), len(body), len(size))
}
