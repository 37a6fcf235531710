package simsource

import (
	"reflect"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
)

func TestPerMinute(t *testing.T) {
	m0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	m1 := m0.Add(time.Minute)
	for _, tc := range []struct {
		name    string
		out     []platform.UsageSample
		samples []sim.Sample
		want    []platform.UsageSample
	}{
		{"nothing", nil, nil, nil},
		{"processes of a minute add up", nil, []sim.Sample{
			{Time: m0, Process: "web", CPUMillicores: 400, MemoryBytes: 1000, Pods: 2, Restarts: 3},
			{Time: m0, Process: "worker", CPUMillicores: 100, MemoryBytes: 500, Pods: 1, Restarts: 1},
			{Time: m1, Process: "web", CPUMillicores: 410, MemoryBytes: 1100, Pods: 2, Restarts: 3},
		}, []platform.UsageSample{
			{Time: m0, CPUMillicores: 500, MemoryBytes: 1500, Pods: 3, RestartsTotal: 4},
			{Time: m1, CPUMillicores: 410, MemoryBytes: 1100, Pods: 2, RestartsTotal: 3},
		}},
		{"appends to what an earlier chunk gave", []platform.UsageSample{{Time: m0, Pods: 1}}, []sim.Sample{
			{Time: m1, Process: "web", Pods: 1, Restarts: 2},
		}, []platform.UsageSample{{Time: m0, Pods: 1}, {Time: m1, Pods: 1, RestartsTotal: 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PerMinute(tc.out, tc.samples); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
