package sim

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedLine is one line a recordingSink got.
type recordedLine struct {
	pipeline, stage string
	at              time.Time
	msg             string
}

// recordingSink keeps what the simulators write.
type recordingSink struct {
	mu    sync.Mutex
	lines []recordedLine
}

func (s *recordingSink) Pipeline(_, pipelineID, stage string, at time.Time, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, recordedLine{pipelineID, stage, at, msg})
}

func (s *recordingSink) Runtime(string, string, string, int64, time.Time, string) {}

func (s *recordingSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.lines {
		out = append(out, l.msg)
	}
	return out
}

func TestBuildLog(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     FailRules
		stopAt   time.Duration // 0: not stopped
		wantLast string
		wantHas  string
	}{
		{name: "success pushes", wantLast: "digest: sha256:", wantHas: "---> Using cache"},
		{name: "failure ends with the reason", fail: FailRules{All: true}, wantLast: "ERROR: simulated build failure: every build fails", wantHas: "Step 6/8"},
		{name: "a stopped build says so and writes no more", stopAt: time.Second, wantLast: "Build stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock, sink := newClock(), &recordingSink{}
			cfg := DefaultConfig()
			cfg.FailBuilds, cfg.Logs = tc.fail, sink
			b := NewBuilder(cfg, clock.Now)
			ref, _ := b.StartBuild(context.Background(), buildRequest())
			for step := 0; step < 8; step++ {
				var last time.Time
				clock.Advance(500 * time.Millisecond)
				if tc.stopAt != 0 && clock.Now().Sub(epoch) == tc.stopAt {
					_ = b.StopBuild(context.Background(), ref)
				}
				_, _ = b.BuildStatus(context.Background(), ref)
				for _, l := range sink.lines {
					if l.at.After(clock.Now()) {
						t.Fatalf("line %q is timestamped %v, after the clock %v", l.msg, l.at, clock.Now())
					}
					if l.at.Before(last) || l.pipeline != imageID || l.stage != "build" {
						t.Fatalf("line %+v out of order or misfiled", l)
					}
					last = l.at
				}
			}
			msgs := sink.messages()
			if !strings.HasPrefix(msgs[0], "Cloning acme/api at main") {
				t.Fatalf("first line %q", msgs[0])
			}
			if got := msgs[len(msgs)-1]; !strings.Contains(got, tc.wantLast) {
				t.Fatalf("last line %q, want %q; all: %q", got, tc.wantLast, msgs)
			}
			if tc.wantHas != "" && !strings.Contains(strings.Join(msgs, "\n"), tc.wantHas) {
				t.Fatalf("log lacks %q: %q", tc.wantHas, msgs)
			}
		})
	}
}

func TestRolloutLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		crash CrashRules
		want  []string
	}{
		{name: "pods scheduled, pulled and ready", want: []string{"Rolling out release v1", "Scheduled", "Pulled", "Ready", "rollout of release v1 complete: 3 of 3 pods ready"}},
		{name: "a crash loop shows the container's last lines", crash: CrashRules{All: true},
			want: []string{"Scheduled", "[web]: panic: runtime error", "CrashLoopBackOff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock, sink := newClock(), &recordingSink{}
			cfg := DefaultConfig()
			cfg.CrashLoop, cfg.Logs = tc.crash, sink
			c := NewCluster(cfg, clock.Now)
			w := workload(map[string]int{"web": 2, "worker": 1})
			w.PipelineID = "p1"
			if err := c.Apply(context.Background(), w); err != nil {
				t.Fatal(err)
			}
			for range 5 {
				clock.Advance(time.Second)
				_, _ = c.RolloutStatus(context.Background(), w)
			}
			all := strings.Join(sink.messages(), "\n")
			at := 0
			for _, want := range tc.want {
				i := strings.Index(all[at:], want)
				if i < 0 {
					t.Fatalf("log lacks %q after offset %d:\n%s", want, at, all)
				}
				at += i
			}
			if tc.crash.All && strings.Contains(all, ": Ready") {
				t.Fatalf("a crash-looping pod became ready:\n%s", all)
			}
			// A scale is no pipeline's rollout: nothing more is written.
			n := len(sink.messages())
			w.ProcessCounts = map[string]int{"web": 3}
			_ = c.Scale(context.Background(), w)
			clock.Advance(5 * time.Second)
			_, _ = c.RolloutStatus(context.Background(), w)
			if len(sink.messages()) != n {
				t.Fatalf("a scale wrote pipeline lines: %q", sink.messages()[n:])
			}
		})
	}
}

func TestRuntimeLines(t *testing.T) {
	clock := newClock()
	c := NewCluster(DefaultConfig(), clock.Now)
	w := workload(map[string]int{"web": 2, "worker": 1})
	if err := c.Apply(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	lines := c.RuntimeLines(appID, epoch, clock.Now())
	// each of 3 instances: ready at d·(k+1)/n, then a line every 10 s
	if len(lines) < 12 || len(lines) > 18 {
		t.Fatalf("%d lines in a minute of 3 instances", len(lines))
	}
	again := c.RuntimeLines(appID, epoch, clock.Now())
	for i := range lines {
		if lines[i] != again[i] {
			t.Fatalf("not deterministic: %+v vs %+v", lines[i], again[i])
		}
		if i > 0 && lines[i].Time.Before(lines[i-1].Time) {
			t.Fatal("not oldest first")
		}
		if l := lines[i]; l.ReleaseVersion != 1 || l.Instance == "" || (l.Process != "web" && l.Process != "worker") {
			t.Fatalf("line %+v", l)
		}
	}
	next, ok := c.NextRuntimeLine(appID, clock.Now())
	if !ok || !next.After(clock.Now()) || next.Sub(clock.Now()) > runtimePeriod {
		t.Fatalf("next line at %v (now %v, ok %v)", next, clock.Now(), ok)
	}
	if got := c.RuntimeLines(appID, clock.Now().Add(time.Second), clock.Now()); len(got) != 0 {
		t.Fatalf("an empty window has lines: %+v", got)
	}
	_ = c.Remove(context.Background(), "", appID)
	if _, ok := c.NextRuntimeLine(appID, clock.Now()); ok {
		t.Fatal("a removed application writes on")
	}
}
