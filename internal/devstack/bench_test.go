package devstack_test

import (
	"context"
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
	stack, err := devstack.Start(context.Background(), devstack.Options{Addr: "127.0.0.1:0", DevToken: "slw_bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer stack.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, stack.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer slw_bench")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	status, body := do("GET", "/organizations/demo/projects", "")
	if status != 200 {
		b.Fatalf("%d %s", status, body)
	}
	projectID := body[strings.Index(body, `"id":"`)+6:][:36]
	if status, body := do("POST", "/applications", fmt.Sprintf(`{"name":"Web","slug":"web","project_id":%q}`, projectID)); status != 201 {
		b.Fatalf("%d %s", status, body)
	}
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N)
	b.SetParallelism(4) // 4 × GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if status, body := do("GET", "/applications/demo/demo/web", ""); status != 200 {
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
