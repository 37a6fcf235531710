package logstore

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// BenchmarkLongPollWakeUp is the local long poll's wake-up latency: from a
// line's append to the waiting reader's return with it, on the wall clock
// (docs/performance.md).
func BenchmarkLongPollWakeUp(b *testing.B) {
	s := New(nil, nil)
	ctx := context.Background()
	var total time.Duration
	for i := range b.N {
		got := make(chan time.Time)
		go func() {
			_, _ = s.Read(ctx, platform.LogQuery{ApplicationID: "a", PipelineID: "p", Position: strconv.Itoa(i), Wait: 20 * time.Second})
			got <- time.Now()
		}()
		waitForWaiter(s)
		start := time.Now()
		s.Pipeline("a", "p", "build", start, "line")
		total += (<-got).Sub(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/wake")
}

// waitForWaiter returns once a reader waits in a long poll.
func waitForWaiter(s *Store) {
	for s.Waiting() == 0 {
		runtime.Gosched()
	}
}

// BenchmarkStoreMemory fills a store past its byte bound (8 MiB) with
// 100-byte lines and reports what the bound counts and what the heap
// really holds: the heap should stay near the bound (docs/performance.md).
// Run it with -benchtime 1x.
func BenchmarkStoreMemory(b *testing.B) {
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := New(nil, nil)
		s.MaxBytes = 8 << 20
		for i := range 200_000 {
			s.Pipeline("a", fmt.Sprint(i%50), "build", time.Time{}, strings.Repeat("x", 100))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(s.Bytes())/(1<<20), "MiB-counted")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
		runtime.KeepAlive(s)
	}
}
