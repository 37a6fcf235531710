package logstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
)

var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// manualClock is a virtual clock whose Sleep blocks until Advance moves
// the time past its end: a long poll waits on it as on the wall clock.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	changed chan struct{}
	sleeps  int
}

func newManualClock() *manualClock { return &manualClock{now: epoch, changed: make(chan struct{})} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	end := c.now.Add(d)
	c.sleeps++
	for c.now.Before(end) {
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
	}
	c.mu.Unlock()
	return nil
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	close(c.changed)
	c.changed = make(chan struct{})
}

// sleepers is how many Sleeps began.
func (c *manualClock) sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps
}

func messages(p platform.LogPage) string {
	var m []string
	for _, l := range p.Lines {
		m = append(m, l.Message)
	}
	return strings.Join(m, ",")
}

func TestPipelineReadsFollowPositions(t *testing.T) {
	s := New(newManualClock(), nil)
	for i, st := range []string{"build", "build", "release", "deploy", "build"} {
		s.Pipeline("a", "p", st, epoch.Add(time.Duration(i)*time.Second), fmt.Sprint(st, i))
	}
	s.Pipeline("a", "other", "build", epoch, "foreign")
	ctx := context.Background()
	for _, tc := range []struct {
		name, stage string
		limit       int
		want        []string // pages
	}{
		{name: "every stage in order", limit: 2, want: []string{"build0,build1", "release2,deploy3", "build4", ""}},
		{name: "one stage", stage: "build", limit: 2, want: []string{"build0,build1", "build4", ""}},
		{name: "a stage with no line", stage: "release", limit: 5, want: []string{"release2", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := platform.LogQuery{ApplicationID: "a", PipelineID: "p", Stage: tc.stage, Limit: tc.limit}
			for i, want := range tc.want {
				page, err := s.Read(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if got := messages(page); got != want {
					t.Fatalf("page %d: %q, want %q", i, got, want)
				}
				q.Position = page.Position
			}
		})
	}
	if _, err := s.Read(ctx, platform.LogQuery{ApplicationID: "a", PipelineID: "p", Position: "x"}); !errors.Is(err, platform.BadLogCursor) {
		t.Fatalf("a bad position: %v", err)
	}
}

// A long poll blocks until a line arrives and wakes on it, before its
// wait is over; with nothing new it ends when the wait passes on the
// clock.
func TestLongPollWakesOnNewLines(t *testing.T) {
	clock := newManualClock()
	s := New(clock, nil)
	s.Pipeline("a", "p", "build", epoch, "first")
	first, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: "a", PipelineID: "p"})

	got := make(chan platform.LogPage)
	go func() {
		page, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: "a", PipelineID: "p", Position: first.Position, Wait: 20 * time.Second})
		got <- page
	}()
	waitFor(t, func() bool { return clock.sleepers() == 1 })
	clock.Advance(5 * time.Second)
	select {
	case p := <-got:
		t.Fatalf("returned %q before a line arrived", messages(p))
	default:
	}
	s.Pipeline("a", "p", "build", clock.Now(), "second")
	if p := <-got; messages(p) != "second" {
		t.Fatalf("woke with %q", messages(p))
	}

	go func() {
		page, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: "a", PipelineID: "p", Position: "2", Wait: 20 * time.Second})
		got <- page
	}()
	waitFor(t, func() bool { return clock.sleepers() == 2 })
	clock.Advance(20 * time.Second)
	if p := <-got; len(p.Lines) != 0 || p.Position != "2" {
		t.Fatalf("a timed-out poll: %+v", p)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for range 10000 {
		if ok() {
			return
		}
		time.Sleep(time.Millisecond) // the reader goroutine reaching its wait, not the clock under test
	}
	t.Fatal("condition never held")
}

func TestBounds(t *testing.T) {
	s := New(newManualClock(), nil)
	s.MaxLinesPerLog = 3
	for i := range 5 {
		s.Pipeline("a", "p", "build", epoch, fmt.Sprint(i))
	}
	page, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: "a", PipelineID: "p"})
	if messages(page) != "2,3,4" {
		t.Fatalf("per-log bound kept %q", messages(page))
	}
	s.MaxLinesPerLog = DefaultMaxLinesPerLog
	s.MaxBytes = 10 * (lineOverhead + len("build") + 3)
	for i := range 30 {
		s.Pipeline("b", fmt.Sprint(i%3), "build", epoch, fmt.Sprintf("%03d", i))
	}
	if s.Bytes() > s.MaxBytes {
		t.Fatalf("%d bytes stored, bound %d", s.Bytes(), s.MaxBytes)
	}
	page, _ = s.Read(context.Background(), platform.LogQuery{ApplicationID: "b", PipelineID: "2"})
	if messages(page) != "020,023,026,029" && messages(page) != "023,026,029" {
		t.Fatalf("global bound kept %q of pipeline 2", messages(page))
	}
	page, _ = s.Read(context.Background(), platform.LogQuery{ApplicationID: "a", PipelineID: "p"})
	if len(page.Lines) != 0 {
		t.Fatalf("the oldest log kept %q", messages(page))
	}
}

func TestRuntimeFromTheSimulatedCluster(t *testing.T) {
	clock := newManualClock()
	cluster := sim.NewCluster(sim.DefaultConfig(), clock.Now)
	s := New(clock, cluster)
	w := simWorkload()
	if err := cluster.Apply(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	s.Runtime(w.ApplicationID, "web", "web-1", 1, clock.Now().Add(-30*time.Second), "starting web with environment: A, B")
	page, err := s.Read(context.Background(), platform.LogQuery{ApplicationID: w.ApplicationID, Since: epoch, Limit: 100})
	if err != nil || len(page.Lines) < 6 || !strings.Contains(messages(page), "starting web with environment") {
		t.Fatalf("first read: %v %q", err, messages(page))
	}
	for i := 1; i < len(page.Lines); i++ {
		if page.Lines[i].Time.Before(page.Lines[i-1].Time) {
			t.Fatal("not oldest first")
		}
	}
	newest, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: w.ApplicationID, Since: epoch, Limit: 2})
	if len(newest.Lines) != 2 || newest.Lines[1] != page.Lines[len(page.Lines)-1] {
		t.Fatalf("the newest window: %+v", newest.Lines)
	}
	web, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: w.ApplicationID, Since: epoch, Process: "worker", Limit: 100})
	for _, l := range web.Lines {
		if l.Process != "worker" {
			t.Fatalf("process filter let %+v through", l)
		}
	}
	// Following: nothing new until the next generated line, which wakes the poll.
	got := make(chan platform.LogPage)
	go func() {
		p, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: w.ApplicationID, Position: page.Position, Wait: 20 * time.Second})
		got <- p
	}()
	waitFor(t, func() bool { return clock.sleepers() >= 1 })
	clock.Advance(10 * time.Second)
	p := <-got
	if len(p.Lines) == 0 {
		t.Fatal("the follow returned nothing")
	}
	for _, l := range p.Lines {
		if !l.Time.After(page.Lines[len(page.Lines)-1].Time) || l.Time.After(clock.Now()) {
			t.Fatalf("followed line %+v outside (last, now]", l)
		}
	}
	again, _ := s.Read(context.Background(), platform.LogQuery{ApplicationID: w.ApplicationID, Position: p.Position})
	if len(again.Lines) != 0 {
		t.Fatalf("lines returned twice: %q", messages(again))
	}
}

func simWorkload() pipeline.Workload {
	return pipeline.Workload{Namespace: "acme", Name: "shop-api", ApplicationID: "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d", ReleaseID: "r1", ReleaseVersion: 1,
		ImageURI: "local.slipway.dev/x@sha256:00", Processes: map[string]string{"web": "./web", "worker": "./worker"},
		ProcessCounts: map[string]int{"web": 2, "worker": 1}}
}
