package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/bench"
)

// get issues GETs of url from parallel clients, over keep-alive
// connections, failing on anything but a 200.
func get(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8) // 8 × GOMAXPROCS clients
	b.ReportAllocs()
	cpu := processCPU()
	b.ResetTimer()
	defer func() {
		b.StopTimer()
		// CPU time of the whole process (clients, servers and the embedded
		// DynamoDB) per request: on a shared machine a steadier figure
		// than ns/op.
		b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+bench.Token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %d", url, resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkPair measures, in one process, Get Application on the local
// system with the request log off and on (an Info text line per request,
// written to io.Discard), and the bare one-GetItem server; ns/op of
// "get-application/log=on" over "bare" is the inverse of the ratio
// run.sh measures with wrk, and log=on over log=off the request log's
// cost.
func BenchmarkPair(b *testing.B) {
	prev := slog.Default()
	defer slog.SetDefault(prev)
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	p, err := bench.Start(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for _, tc := range []struct {
		name  string
		url   string
		level slog.Level
	}{
		{"get-application/log=off", p.AppURL, slog.LevelWarn},
		{"get-application/log=on", p.AppURL, slog.LevelInfo},
		{"bare", p.BareURL, slog.LevelWarn},
	} {
		b.Run(tc.name, func(b *testing.B) {
			slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: tc.level})))
			get(b, tc.url)
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
