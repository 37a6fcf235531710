package sim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

func workload(counts map[string]int) pipeline.Workload {
	small, _ := platform.LookupPodClass("m1.small")
	return pipeline.Workload{
		Namespace: "acme", Name: "shop-api", ApplicationID: appID, ReleaseID: "r1", ReleaseVersion: 1,
		ImageURI:      "local.slipway.dev/x@sha256:00",
		Processes:     map[string]string{"web": "./web", "worker": "./worker", "release": "./migrate"},
		ProcessCounts: counts,
		PodClasses:    map[string]platform.PodClass{"worker": small},
	}
}

func TestClusterRollout(t *testing.T) {
	type step struct {
		after time.Duration // since the apply
		want  pipeline.RolloutStatus
	}
	crashReason := `simulated crash loop: container "web" restarting (CrashLoopBackOff)`
	for _, tc := range []struct {
		name   string
		crash  CrashRules
		counts map[string]int
		steps  []step
	}{
		{name: "pods become ready over the duration", counts: map[string]int{"web": 2, "worker": 2, "release": 5}, steps: []step{
			{0, pipeline.RolloutStatus{Desired: 4}},
			{time.Second, pipeline.RolloutStatus{Desired: 4, Ready: 1}},
			{3999 * time.Millisecond, pipeline.RolloutStatus{Desired: 4, Ready: 3}},
			{4 * time.Second, pipeline.RolloutStatus{Done: true, Desired: 4, Ready: 4}},
		}},
		{name: "no pods is done at once", counts: nil, steps: []step{
			{0, pipeline.RolloutStatus{Done: true}},
		}},
		{name: "crash loop fails after the duration", crash: CrashRules{Applications: []string{"api"}}, counts: map[string]int{"web": 1, "worker": 1}, steps: []step{
			{3 * time.Second, pipeline.RolloutStatus{Desired: 2}},
			{4 * time.Second, pipeline.RolloutStatus{Failed: true, Reason: crashReason, Desired: 2}},
		}},
		{name: "crash loop blames the worker when web has no pods", crash: CrashRules{All: true}, counts: map[string]int{"worker": 3}, steps: []step{
			{4 * time.Second, pipeline.RolloutStatus{Failed: true, Reason: `simulated crash loop: container "worker" restarting (CrashLoopBackOff)`, Desired: 3}},
		}},
		{name: "crash rule of another application", crash: CrashRules{Applications: []string{"web-shop"}}, counts: map[string]int{"web": 1}, steps: []step{
			{4 * time.Second, pipeline.RolloutStatus{Done: true, Desired: 1, Ready: 1}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			c := NewCluster(Config{RolloutDuration: 4 * time.Second, CrashLoop: tc.crash}, clock.Now)
			w := workload(tc.counts)
			if err := c.Apply(context.Background(), w); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.steps {
				advanceTo(clock, epoch.Add(s.after))
				got, err := c.RolloutStatus(context.Background(), w)
				if err != nil || got != s.want {
					t.Fatalf("after %v: %+v, %v; want %+v", s.after, got, err, s.want)
				}
			}
		})
	}
}

func TestClusterReapply(t *testing.T) {
	clock := newClock()
	c := NewCluster(DefaultConfig(), clock.Now)
	ctx := context.Background()
	w := workload(map[string]int{"web": 1})
	_ = c.Apply(ctx, w)
	clock.Advance(3 * time.Second)
	if err := c.Apply(ctx, workload(map[string]int{"web": 1})); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if st, _ := c.RolloutStatus(ctx, w); !st.Done {
		t.Fatalf("applying the same workload restarted the rollout: %+v", st)
	}
	next := workload(map[string]int{"web": 1})
	next.ReleaseVersion, next.ImageURI = 2, "local.slipway.dev/x@sha256:01"
	_ = c.Apply(ctx, next)
	if st, _ := c.RolloutStatus(ctx, next); st.Done {
		t.Fatalf("a new release did not start a rollout: %+v", st)
	}
	if n := len(c.apps[appID].history); n != 2 {
		t.Fatalf("%d history segments, want 2", n)
	}
}

func TestClusterScale(t *testing.T) {
	clock := newClock()
	c := NewCluster(Config{}, clock.Now)
	ctx := context.Background()
	if err := c.Scale(ctx, workload(map[string]int{"web": 1})); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("scale before apply: %v", err)
	}
	if _, err := c.RolloutStatus(ctx, workload(nil)); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("status before apply: %v", err)
	}
	_ = c.Apply(ctx, workload(map[string]int{"web": 1}))
	if err := c.Scale(ctx, workload(map[string]int{"web": 3, "worker": 2})); err != nil {
		t.Fatal(err)
	}
	st, _ := c.RolloutStatus(ctx, workload(nil))
	if st.Desired != 5 {
		t.Fatalf("after scale: %+v", st)
	}
}

func TestClusterRejectsWorkloadWithoutID(t *testing.T) {
	w := workload(nil)
	w.ApplicationID = ""
	if err := NewCluster(Config{}, nil).Apply(context.Background(), w); err == nil {
		t.Fatal("applied a workload without application id")
	}
	w = workload(nil)
	w.PodClasses = map[string]platform.PodClass{"web": {Name: "odd", CPURequest: "lots", MemoryRequest: "1Gi"}}
	if err := NewCluster(Config{}, nil).Apply(context.Background(), w); err == nil {
		t.Fatal("applied a pod class with an unreadable quantity")
	}
}

func TestClusterConcurrentUse(t *testing.T) {
	clock := newClock()
	c := NewCluster(Config{}, clock.Now)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ctx := context.Background()
			w := workload(map[string]int{"web": i % 3})
			_ = c.Apply(ctx, w)
			_ = c.Scale(ctx, w)
			_, _ = c.RolloutStatus(ctx, w)
			_ = c.Samples(appID, epoch, epoch.Add(time.Hour))
			clock.Advance(time.Second)
		})
	}
	wg.Wait()
}

func TestMilliValue(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want int64
		ok   bool
	}{
		{"500m", 500, true}, {"1", 1000, true}, {"1500m", 1500, true},
		{"256Mi", 256 << 20 * 1000, true}, {"4Gi", 4 << 30 * 1000, true}, {"64Ki", 64 << 10 * 1000, true},
		{"", 0, false}, {"1.5", 0, false}, {"-1", 0, false}, {"1G", 0, false},
	} {
		got, err := milliValue(tc.q)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("milliValue(%q) = %d, %v", tc.q, got, err)
		}
	}
}
