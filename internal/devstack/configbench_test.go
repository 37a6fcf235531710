package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	stack, err := devstack.Start(context.Background(), devstack.Options{Addr: "127.0.0.1:0", DevToken: "slw_bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer stack.Close()
	client := &http.Client{}
	do := func(method, path, body string) string {
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
		if resp.StatusCode/100 != 2 {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
		}
		return string(out)
	}
	var projects struct {
		Items []struct{ ID string } `json:"items"`
	}
	_ = json.Unmarshal([]byte(do("GET", "/organizations/demo/projects", "")), &projects)
	var app struct{ ID string }
	_ = json.Unmarshal([]byte(do("POST", "/applications", fmt.Sprintf(`{"name":"Web","slug":"web","project_id":%q}`, projects.Items[0].ID))), &app)
	path := "/applications/" + app.ID + "/config"
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
	do("PATCH", path, string(body))
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := ""
		if method == "PATCH" {
			req = fmt.Sprintf(`{"vars":{"PLAIN_001":"p%d","SECRET_000":{"value":"s%d","secret":true}}}`, i, i)
		}
		start := time.Now()
		do(method, path, req)
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	if k := len(latencies); k > 0 {
		b.ReportMetric(float64(latencies[k*50/100].Microseconds()), "p50-µs")
		b.ReportMetric(float64(latencies[k*99/100].Microseconds()), "p99-µs")
	}
}
