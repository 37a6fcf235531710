package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
)

// BenchmarkGetApplication measures Get Application on the local system:
// real HTTP over loopback, the real SDK against the embedded DynamoDB, the
// token lookup included. It reports p50 and p99 latency under 8 concurrent
// clients.
func BenchmarkGetApplication(b *testing.B) {
	c, _ := startBench(b, devstack.Options{}, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}})
	c.newApp()
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N)
	b.SetParallelism(4) // 4 × GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if status, body := c.send("GET", "/applications/demo/demo/web", ""); status != 200 {
				b.Errorf("%d %s", status, body)
				return
			}
			d := time.Since(start)
			mu.Lock()
			latencies = append(latencies, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	if n := len(latencies); n > 0 {
		b.ReportMetric(float64(latencies[n*50/100].Microseconds()), "p50-µs")
		b.ReportMetric(float64(latencies[n*99/100].Microseconds()), "p99-µs")
	}
}

// benchClient sends requests to a benchmark's local system.
type benchClient struct {
	b    testing.TB
	hc   *http.Client
	base string
}

// startBench starts the local system with opts on a free port with the dev
// token slw_bench, closed when the benchmark ends, and a client of it
// sending through hc.
func startBench(b *testing.B, opts devstack.Options, hc *http.Client) (benchClient, *devstack.Stack) {
	opts.Addr, opts.DevToken = "127.0.0.1:0", "slw_bench"
	stack, err := devstack.Start(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stack.Close)
	return benchClient{b: b, hc: hc, base: stack.URL}, stack
}

// send sends a request and returns the status and body.
func (c benchClient) send(method, path, body string) (int, string) {
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer slw_bench")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// must sends a request that must succeed (2xx) and returns the body.
func (c benchClient) must(method, path, body string) string {
	status, out := c.send(method, path, body)
	if status/100 != 2 {
		c.b.Fatalf("%s %s: %d %s", method, path, status, out)
	}
	return out
}

// newApp creates the application demo/demo/web and returns its id.
func (c benchClient) newApp() string {
	var projects struct {
		Items []struct{ ID string } `json:"items"`
	}
	_ = json.Unmarshal([]byte(c.must("GET", "/organizations/demo/projects", "")), &projects)
	if len(projects.Items) == 0 {
		c.b.Fatal("no project")
	}
	var app struct{ ID string }
	_ = json.Unmarshal([]byte(c.must("POST", "/applications", fmt.Sprintf(`{"name":"Web","slug":"web","project_id":%q}`, projects.Items[0].ID))), &app)
	return app.ID
}
