package sim

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

func TestSamplesWindow(t *testing.T) {
	clock := newClock()
	c := NewCluster(DefaultConfig(), clock.Now)
	if got := c.Samples(appID, epoch, epoch.Add(time.Hour)); got != nil {
		t.Fatalf("samples of an application never applied: %v", got)
	}
	advanceTo(clock, epoch.Add(30*time.Second))
	_ = c.Apply(context.Background(), workload(map[string]int{"web": 2, "worker": 1}))
	advanceTo(clock, epoch.Add(10*time.Minute+5*time.Second))
	for _, tc := range []struct {
		name      string
		from, to  time.Time
		wantFirst time.Time
		wantMins  int
	}{
		{"from before the apply", epoch.Add(-time.Hour), epoch.Add(time.Hour), epoch.Add(time.Minute), 10},
		{"from inside a minute rounds up", epoch.Add(2*time.Minute + time.Second), epoch.Add(5 * time.Minute), epoch.Add(3 * time.Minute), 2},
		{"to is exclusive", epoch.Add(2 * time.Minute), epoch.Add(4 * time.Minute), epoch.Add(2 * time.Minute), 2},
		{"the current minute is included", epoch.Add(10 * time.Minute), epoch.Add(20 * time.Minute), epoch.Add(10 * time.Minute), 1},
		{"entirely in the future", epoch.Add(11 * time.Minute), epoch.Add(20 * time.Minute), time.Time{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Samples(appID, tc.from, tc.to)
			if len(got) != 2*tc.wantMins {
				t.Fatalf("%d samples, want %d (2 processes × %d minutes)", len(got), 2*tc.wantMins, tc.wantMins)
			}
			if tc.wantMins == 0 {
				return
			}
			if !got[0].Time.Equal(tc.wantFirst) || got[0].Process != "web" || got[1].Process != "worker" {
				t.Fatalf("first samples %+v %+v", got[0], got[1])
			}
			for i := 2; i < len(got); i++ {
				if got[i].Time.Sub(got[i-2].Time) != time.Minute {
					t.Fatalf("samples %d and %d are not a minute apart", i-2, i)
				}
			}
		})
	}
}

func TestSamplesShape(t *testing.T) {
	small, _ := platform.LookupPodClass("m1.small")
	large, _ := platform.LookupPodClass("m1.large")
	for _, tc := range []struct {
		name     string
		crash    bool
		process  string
		pods     int
		class    platform.PodClass
		cpu, mem [2]float64 // share of the requests, per pod
	}{
		{"healthy web on the default class", false, "web", 2, large, [2]float64{0.35, 0.60}, [2]float64{0.40, 0.70}},
		{"healthy worker on m1.small", false, "worker", 3, small, [2]float64{0.35, 0.60}, [2]float64{0.40, 0.70}},
		{"crash-looping web", true, "web", 2, large, [2]float64{0.02, 0.05}, [2]float64{0.05, 0.10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			c := NewCluster(Config{RolloutDuration: 4 * time.Second, CrashLoop: CrashRules{All: tc.crash}}, clock.Now)
			_ = c.Apply(context.Background(), workload(map[string]int{"web": 2, "worker": 3}))
			clock.Advance(3 * time.Hour)
			cpuReq, _ := milliValue(tc.class.CPURequest)
			memReq, _ := milliValue(tc.class.MemoryRequest)
			memReq /= 1000
			distinct := map[int64]bool{}
			for _, s := range c.Samples(appID, epoch, epoch.Add(3*time.Hour)) {
				if s.Process != tc.process {
					continue
				}
				pods := float64(tc.pods)
				if s.Pods != tc.pods ||
					float64(s.CPUMillicores) < pods*float64(cpuReq)*tc.cpu[0]-1 || float64(s.CPUMillicores) > pods*float64(cpuReq)*tc.cpu[1] ||
					float64(s.MemoryBytes) < pods*float64(memReq)*tc.mem[0]-1 || float64(s.MemoryBytes) > pods*float64(memReq)*tc.mem[1] {
					t.Fatalf("sample out of shape: %+v", s)
				}
				distinct[s.CPUMillicores] = true
			}
			if len(distinct) < 20 {
				t.Fatalf("CPU hardly wobbles: %d distinct values in 180 minutes", len(distinct))
			}
		})
	}
}

func TestSamplesDeterministic(t *testing.T) {
	run := func() []Sample {
		clock := newClock()
		c := NewCluster(DefaultConfig(), clock.Now)
		_ = c.Apply(context.Background(), workload(map[string]int{"web": 2}))
		clock.Advance(time.Hour)
		return c.Samples(appID, epoch, epoch.Add(time.Hour))
	}
	if a, b := run(), run(); len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatal("two identical runs gave different samples")
	}
}

func TestSamplesFollowScaleAndRestarts(t *testing.T) {
	clock := newClock()
	c := NewCluster(Config{CrashLoop: CrashRules{All: true}}, clock.Now)
	ctx := context.Background()
	_ = c.Apply(ctx, workload(map[string]int{"web": 2}))
	clock.Advance(10*time.Minute + 30*time.Second)
	_ = c.Scale(ctx, workload(map[string]int{"web": 1}))
	clock.Advance(20 * time.Minute)
	var web []Sample
	for _, s := range c.Samples(appID, epoch, clock.Now()) {
		if s.Process == "web" {
			web = append(web, s)
		}
	}
	for _, tc := range []struct {
		minute   int
		pods     int
		restarts int64
	}{
		{0, 2, 0},       // started at 12:00:00, no restart yet
		{1, 2, 4},       // 60 s: restarts at 10 and 30 s, per pod
		{3, 2, 8},       // 180 s: + 70, 150 s
		{6, 2, 10},      // 360 s: + 310 s
		{10, 2, 10},     // 600 s: the next restart is at 610 s
		{11, 1, 12 + 2}, // scaled at 10:30 (2 pods had 6 restarts); the new pod restarted at 10 and 30 s
		{30, 1, 12 + 7}, // 19.5 min into the second segment: 5 + (1170-310)/300
	} {
		s := web[tc.minute]
		if s.Pods != tc.pods || s.Restarts != tc.restarts {
			t.Errorf("minute %d: pods %d restarts %d; want %d and %d", tc.minute, s.Pods, s.Restarts, tc.pods, tc.restarts)
		}
	}
	healthy := NewCluster(DefaultConfig(), clock.Now)
	_ = healthy.Apply(ctx, workload(map[string]int{"web": 2}))
	clock.Advance(time.Hour)
	for _, s := range healthy.Samples(appID, epoch, clock.Now()) {
		if s.Restarts != 0 {
			t.Fatalf("a healthy application restarted: %+v", s)
		}
	}
}

func TestBackoffRestarts(t *testing.T) {
	for _, tc := range []struct {
		secs int
		want int64
	}{{0, 0}, {9, 0}, {10, 1}, {29, 1}, {30, 2}, {70, 3}, {150, 4}, {309, 4}, {310, 5}, {609, 5}, {610, 6}, {3610, 16}} {
		if got := backoffRestarts(time.Duration(tc.secs) * time.Second); got != tc.want {
			t.Errorf("backoffRestarts(%ds) = %d, want %d", tc.secs, got, tc.want)
		}
	}
}
