package stepfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// passChain builds a machine of n Pass states, each with the given fields.
func passChain(n int, fields string) []byte {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		transition := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == n-1 {
			transition = `"End":true`
		}
		fmt.Fprintf(&b, `"S%d":{"Type":"Pass",%s%s}`, i, fields, transition)
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// BenchmarkRunPassChain measures the executor's per-state overhead: a run of
// 100 Pass states that pass their input through; ns/state is the figure.
func BenchmarkRunPassChain(b *testing.B) {
	benchmarkChain(b, 100, "", `{"build":{"id":"b-1","image":"registry/app:1.2.3"},"ok":true}`)
}

// BenchmarkRunPassChainDataFlow adds a Parameters template with a path and
// an intrinsic, and a ResultPath, to every state.
func BenchmarkRunPassChainDataFlow(b *testing.B) {
	benchmarkChain(b, 100, `"Parameters":{"image.$":"$.build.image","tag.$":"States.Format('v{}', $.n)"},"ResultPath":"$.last",`,
		`{"build":{"id":"b-1","image":"registry/app:1.2.3"},"n":1}`)
}

func benchmarkChain(b *testing.B, n int, fields, input string) {
	m, err := Parse(passChain(n, fields))
	if err != nil {
		b.Fatal(err)
	}
	in := json.RawMessage(input)
	opts := []Option{WithName("bench"), WithClock(NewVirtualClock(testStart))}
	ctx := context.Background()
	if res := m.Run(ctx, in, opts...); res.Status != StatusSucceeded || len(res.Visited) != n {
		b.Fatalf("run: %+v", res)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Run(ctx, in, opts...)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/state")
}
