package platform

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseObservabilityRange(t *testing.T) {
	for _, tc := range []struct {
		in         string
		name       string
		window     time.Duration
		step       time.Duration
		wantPoints int
	}{
		{"", "1h", time.Hour, time.Minute, 60},
		{"1h", "1h", time.Hour, time.Minute, 60},
		{"6h", "6h", 6 * time.Hour, 5 * time.Minute, 72},
		{"24h", "24h", 24 * time.Hour, 5 * time.Minute, 288},
		{"7d", "7d", 7 * 24 * time.Hour, time.Hour, 168},
		{"30d", "30d", 30 * 24 * time.Hour, time.Hour, 720},
	} {
		r, err := ParseObservabilityRange(tc.in)
		if err != nil || r.Name != tc.name || r.Window != tc.window || r.Step != tc.step {
			t.Errorf("%q: %+v, %v", tc.in, r, err)
			continue
		}
		if n := r.WindowAt(time.Now()).Len(); n != tc.wantPoints {
			t.Errorf("%q: %d points, want %d", tc.in, n, tc.wantPoints)
		}
	}
	for _, bad := range []string{"2h", "1H", "60m", "1d", " 1h", "30d ", "0", "-1h", "1h,6h"} {
		_, err := ParseObservabilityRange(bad)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "range" {
			t.Errorf("%q: %v, want a validation error naming range", bad, err)
		}
	}
}

func TestWindowAt(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, rng, now        string
		start, end, lastPoint string
	}{
		{"month boundary, 30d", "30d", "2026-12-01T00:00:30Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-30T23:00:00Z"},
		{"day boundary, 24h", "24h", "2026-12-01T00:00:30Z", "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-30T23:55:00Z"},
		{"on a boundary: the step that begins now is left out", "1h", "2026-12-01T00:00:00Z", "2026-11-30T23:00:00Z", "2026-12-01T00:00:00Z", "2026-11-30T23:59:00Z"},
		{"just before a boundary", "6h", "2026-11-30T23:59:59.999Z", "2026-11-30T17:55:00Z", "2026-11-30T23:55:00Z", "2026-11-30T23:50:00Z"},
		{"7d across a year boundary", "7d", "2027-01-03T05:30:00Z", "2026-12-27T05:00:00Z", "2027-01-03T05:00:00Z", "2027-01-03T04:00:00Z"},
		{"another time zone is read as UTC", "1h", "2026-12-01T02:00:30+02:00", "2026-11-30T23:00:00Z", "2026-12-01T00:00:00Z", "2026-11-30T23:59:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := ParseObservabilityRange(tc.rng)
			w := r.WindowAt(at(tc.now))
			if !w.Start.Equal(at(tc.start)) || !w.End.Equal(at(tc.end)) || w.Step != r.Step || w.Start.Location() != time.UTC {
				t.Fatalf("window %v – %v step %v, want %s – %s", w.Start, w.End, w.Step, tc.start, tc.end)
			}
			points := w.Fill(nil)
			if last := points[len(points)-1].Time; !last.Equal(at(tc.lastPoint)) {
				t.Fatalf("last point %v, want %s", last, tc.lastPoint)
			}
			if w.Start.Unix()%int64(r.Step/time.Second) != 0 {
				t.Fatalf("start %v is not a multiple of the step since the epoch", w.Start)
			}
		})
	}
}

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func window(step time.Duration, steps int) UsageWindow {
	return UsageWindow{Start: t0, End: t0.Add(time.Duration(steps) * step), Step: step}
}

func usage(cpu, mem, pods, restarts int64) *Usage {
	return &Usage{CPUMillicores: cpu, MemoryBytes: mem, Pods: pods, Restarts: restarts}
}

func TestFill(t *testing.T) {
	w := window(5*time.Minute, 4)
	a, b, c := usage(1, 2, 3, 4), usage(5, 6, 7, 8), usage(9, 9, 9, 9)
	for _, tc := range []struct {
		name   string
		points []UsagePoint
		want   []*Usage
	}{
		{"nothing: every step, no usage", nil, []*Usage{nil, nil, nil, nil}},
		{"gaps stay, as steps without usage", []UsagePoint{{t0, a}, {t0.Add(15 * time.Minute), b}}, []*Usage{a, nil, nil, b}},
		{"any order", []UsagePoint{{t0.Add(15 * time.Minute), b}, {t0, a}}, []*Usage{a, nil, nil, b}},
		{"a time inside a step counts for that step", []UsagePoint{{t0.Add(7 * time.Minute), a}}, []*Usage{nil, a, nil, nil}},
		{"outside the window: before, at End", []UsagePoint{{t0.Add(-time.Second), a}, {t0.Add(20 * time.Minute), b}}, []*Usage{nil, nil, nil, nil}},
		{"the later point of a step wins", []UsagePoint{{t0, a}, {t0.Add(time.Minute), c}}, []*Usage{c, nil, nil, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.Fill(tc.points)
			if len(got) != 4 {
				t.Fatalf("%d points", len(got))
			}
			for i, p := range got {
				if !p.Time.Equal(t0.Add(time.Duration(i) * 5 * time.Minute)) {
					t.Errorf("point %d at %v", i, p.Time)
				}
				if p.Usage != tc.want[i] {
					t.Errorf("point %d: %+v, want %+v", i, p.Usage, tc.want[i])
				}
			}
		})
	}
}

func TestCounterIncreases(t *testing.T) {
	for _, tc := range []struct {
		name     string
		baseline int64
		readings []int64
		want     []int64
	}{
		{"none", 5, nil, []int64{}},
		{"steady", 0, []int64{0, 0, 0}, []int64{0, 0, 0}},
		{"from the baseline", 10, []int64{12, 15, 15}, []int64{2, 3, 0}},
		{"a counter the window sees start counts in full", 0, []int64{3, 4}, []int64{3, 1}},
		{"a reset counts the new reading", 0, []int64{5, 9, 2, 4}, []int64{5, 4, 2, 2}},
		{"a reset to zero", 7, []int64{7, 0, 1}, []int64{0, 0, 1}},
		{"a reset below the baseline", 50, []int64{3}, []int64{3}},
		{"never negative, even for a negative reading", 2, []int64{-1, 1}, []int64{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CounterIncreases(tc.baseline, tc.readings); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	minute := func(m int, cpu, mem, pods, total int64) UsageSample {
		return UsageSample{Time: t0.Add(time.Duration(m) * time.Minute), CPUMillicores: cpu, MemoryBytes: mem, Pods: pods, RestartsTotal: total}
	}
	for _, tc := range []struct {
		name    string
		w       UsageWindow
		samples []UsageSample
		want    []UsagePoint
	}{
		{"no samples: no points", window(time.Minute, 3), nil, nil},
		{"one-minute steps are the samples", window(time.Minute, 3),
			[]UsageSample{minute(0, 100, 1000, 2, 0), minute(2, 300, 3000, 3, 0)},
			[]UsagePoint{{t0, usage(100, 1000, 2, 0)}, {t0.Add(2 * time.Minute), usage(300, 3000, 3, 0)}}},
		{"averages over the step's minutes, rounded", window(5*time.Minute, 1),
			[]UsageSample{minute(0, 100, 10, 2, 0), minute(1, 101, 10, 2, 0), minute(2, 100, 10, 3, 0), minute(3, 100, 10, 3, 0), minute(4, 102, 11, 3, 0)},
			[]UsagePoint{{t0, usage(101, 10, 3, 0)}}},
		{"a minute without a sample counts as zero (the app started mid-step)", window(5*time.Minute, 2),
			[]UsageSample{minute(3, 500, 1000, 2, 0), minute(4, 500, 1000, 2, 0), minute(5, 500, 1000, 2, 0)},
			[]UsagePoint{{t0, usage(200, 400, 1, 0)}, {t0.Add(5 * time.Minute), usage(100, 200, 0, 0)}}},
		{"restarts: increases of the counter within each step, from the baseline before the window", window(5*time.Minute, 2),
			[]UsageSample{minute(-2, 0, 0, 1, 7), minute(-1, 0, 0, 1, 8), minute(0, 0, 0, 1, 9), minute(4, 0, 0, 1, 12), minute(5, 0, 0, 1, 12), minute(9, 0, 0, 1, 15)},
			[]UsagePoint{{t0, usage(0, 0, 0, 4)}, {t0.Add(5 * time.Minute), usage(0, 0, 0, 3)}}},
		{"restarts: a reset mid-window counts the new reading", window(time.Minute, 3),
			[]UsageSample{minute(0, 0, 0, 1, 20), minute(1, 0, 0, 1, 2), minute(2, 0, 0, 1, 5)},
			[]UsagePoint{{t0, usage(0, 0, 1, 20)}, {t0.Add(time.Minute), usage(0, 0, 1, 2)}, {t0.Add(2 * time.Minute), usage(0, 0, 1, 3)}}},
		{"samples at or after End are ignored", window(time.Minute, 1),
			[]UsageSample{minute(0, 1, 1, 1, 1), minute(1, 9, 9, 9, 9)},
			[]UsagePoint{{t0, usage(1, 1, 1, 1)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.w.Aggregate(tc.samples)
			if len(got) != len(tc.want) {
				t.Fatalf("%d points, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				if !got[i].Time.Equal(tc.want[i].Time) || *got[i].Usage != *tc.want[i].Usage {
					t.Errorf("point %d: %v %+v, want %v %+v", i, got[i].Time, *got[i].Usage, tc.want[i].Time, *tc.want[i].Usage)
				}
			}
		})
	}
}
