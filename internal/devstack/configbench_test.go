package devstack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/devstack"
)

// BenchmarkConfig measures GET and PATCH config on the local system over
// real HTTP (token lookup, the embedded DynamoDB, the local keys), one
// client at a time, for a config of 10 and of 500 vars (half secrets).
// PATCH changes one plain var and one secret (one data key). It reports
// the p50 and p99 latency.
func BenchmarkConfig(b *testing.B) {
	for _, n := range []int{10, 500} {
		for _, method := range []string{"GET", "PATCH"} {
			b.Run(fmt.Sprintf("%s/%dvars", method, n), func(b *testing.B) { benchConfig(b, method, n) })
		}
	}
}

func benchConfig(b *testing.B, method string, n int) {
	c, _ := startBench(b, devstack.Options{}, &http.Client{})
	path := "/applications/" + c.newApp() + "/config"
	vars := map[string]any{}
	for i := range n {
		v := strings.Repeat("v", 200)
		if i%2 == 0 {
			vars[fmt.Sprintf("SECRET_%03d", i)] = map[string]any{"value": v, "secret": true}
		} else {
			vars[fmt.Sprintf("PLAIN_%03d", i)] = v
		}
	}
	body, _ := json.Marshal(map[string]any{"vars": vars})
	c.must("PATCH", path, string(body))
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := ""
		if method == "PATCH" {
			req = fmt.Sprintf(`{"vars":{"PLAIN_001":"p%d","SECRET_000":{"value":"s%d","secret":true}}}`, i, i)
		}
		start := time.Now()
		c.must(method, path, req)
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	if k := len(latencies); k > 0 {
		b.ReportMetric(float64(latencies[k*50/100].Microseconds()), "p50-µs")
		b.ReportMetric(float64(latencies[k*99/100].Microseconds()), "p99-µs")
	}
}
