package platform

import (
	"testing"
	"time"
)

func TestNearestRank(t *testing.T) {
	for _, tc := range []struct {
		values []float64
		p      float64
		want   float64
	}{
		{[]float64{15, 20, 35, 40, 50}, 5, 15},
		{[]float64{15, 20, 35, 40, 50}, 30, 20},
		{[]float64{15, 20, 35, 40, 50}, 40, 20},
		{[]float64{15, 20, 35, 40, 50}, 50, 35},
		{[]float64{15, 20, 35, 40, 50}, 100, 50},
		{[]float64{3, 6, 7, 8, 8, 10, 13, 15, 16, 20}, 25, 7},
		{[]float64{3, 6, 7, 8, 8, 10, 13, 15, 16, 20}, 50, 8},
		{[]float64{3, 6, 7, 8, 8, 10, 13, 15, 16, 20}, 95, 20},
		{[]float64{42}, 95, 42},
	} {
		if got := NearestRank(tc.values, tc.p); got != tc.want {
			t.Errorf("p%v of %v = %v, want %v", tc.p, tc.values, got, tc.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	run := func(v int64, status Status, secs float64) StageRun {
		created := t0.Add(time.Duration(v) * time.Minute)
		return StageRun{ID: "id", Version: v, Status: status, Created: created, Updated: created.Add(time.Duration(secs * float64(time.Second)))}
	}
	m := Metrics([]StageRun{
		run(3, StatusComplete, 30), run(1, StatusComplete, 10), run(2, StatusError, 99),
		run(4, StatusInProgress, 0), run(5, StatusComplete, 20),
	})
	if m.Total != 4 || m.Success != 3 || m.Error != 1 {
		t.Fatalf("counts %+v", m)
	}
	if *m.SuccessRate != 75.0 || *m.AvgSecs != 20 || *m.P50Secs != 20 || *m.P95Secs != 30 {
		t.Fatalf("rate %v avg %v p50 %v p95 %v", *m.SuccessRate, *m.AvgSecs, *m.P50Secs, *m.P95Secs)
	}
	if len(m.History) != 4 || m.History[0].Version != 1 || m.History[3].Version != 5 || m.History[1].OK {
		t.Fatalf("history %+v", m.History)
	}
	third := Metrics([]StageRun{run(1, StatusComplete, 1), run(2, StatusError, 1), run(3, StatusError, 1)})
	if *third.SuccessRate != 33.3 {
		t.Fatalf("one decimal: %v", *third.SuccessRate)
	}
	empty := Metrics(nil)
	if empty.SuccessRate != nil || empty.AvgSecs != nil || empty.Total != 0 || empty.History == nil {
		t.Fatalf("empty %+v", empty)
	}
	onlyErrors := Metrics([]StageRun{run(1, StatusError, 5)})
	if onlyErrors.AvgSecs != nil || *onlyErrors.SuccessRate != 0 {
		t.Fatalf("only errors %+v", onlyErrors)
	}
}
