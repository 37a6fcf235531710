package cloudwatchlogs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// streams is a fake CloudWatch Logs of streams whose events appear at a
// virtual time; it counts the requests.
type streams struct {
	mu       sync.Mutex
	now      time.Time
	events   map[string][]types.OutputLogEvent // by stream; Timestamp = when it appears
	requests map[string]int
}

func (s *streams) GetLogEvents(_ context.Context, in *cwl.GetLogEventsInput, _ ...func(*cwl.Options)) (*cwl.GetLogEventsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests["GetLogEvents"]++
	start := 0
	if in.NextToken != nil {
		start = int(aws.ToString(in.NextToken)[0] - 'a')
	}
	var out []types.OutputLogEvent
	i := start
	for ; i < len(s.events[*in.LogStreamName]); i++ {
		e := s.events[*in.LogStreamName][i]
		if time.UnixMilli(*e.Timestamp).After(s.now) {
			break
		}
		out = append(out, e)
	}
	return &cwl.GetLogEventsOutput{Events: out, NextForwardToken: aws.String(string(rune('a' + i)))}, nil
}

func (s *streams) FilterLogEvents(context.Context, *cwl.FilterLogEventsInput, ...func(*cwl.Options)) (*cwl.FilterLogEventsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests["FilterLogEvents"]++
	return &cwl.FilterLogEventsOutput{}, nil
}

// TestLongPollRequests follows a pipeline with wait=20: it polls every
// Poll on the virtual clock and wakes at the first poll after a line
// arrives; the requests it makes are the figure of docs/performance.md.
func TestLongPollRequests(t *testing.T) {
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		arrives   time.Duration // 0: nothing arrives
		wantAt    time.Duration
		wantGets  int
		wantLines int
	}{
		{name: "nothing new: the whole wait", wantAt: 20 * time.Second, wantGets: 22},
		{name: "a line at 7 s wakes the poll at 8 s", arrives: 7 * time.Second, wantAt: 8 * time.Second, wantGets: 10, wantLines: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &streams{now: start, events: map[string][]types.OutputLogEvent{}, requests: map[string]int{}}
			if tc.arrives > 0 {
				fake.events[PipelineStream(appID, pipelineID)] = []types.OutputLogEvent{{
					Timestamp: aws.Int64(start.Add(tc.arrives).UnixMilli()), Message: aws.String(pipelineEvent("deploy", "pod/a: Ready"))}}
			}
			src := Source{Logs: fake, Builds: oneBuild{"g", "b1"}, PipelineGroup: "p",
				Now: func() time.Time { fake.mu.Lock(); defer fake.mu.Unlock(); return fake.now },
				Sleep: func(_ context.Context, d time.Duration) error {
					fake.mu.Lock()
					defer fake.mu.Unlock()
					fake.now = fake.now.Add(d)
					return nil
				}}
			page, err := src.Read(context.Background(), platform.LogQuery{ApplicationID: appID, PipelineID: pipelineID, BuildRef: buildRef, Wait: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if got := fake.now.Sub(start); got != tc.wantAt || len(page.Lines) != tc.wantLines || fake.requests["GetLogEvents"] != tc.wantGets {
				t.Fatalf("answered at %v with %d lines after %d GetLogEvents; want %v, %d, %d", got, len(page.Lines), fake.requests["GetLogEvents"], tc.wantAt, tc.wantLines, tc.wantGets)
			}
		})
	}
}

// TestRuntimeLineMatchesExactly: only the application's own pods pass,
// whatever the filter pattern let through (moto may not apply it).
func TestRuntimeLineMatchesExactly(t *testing.T) {
	q := platform.LogQuery{Namespace: "slipway-acme", Workload: "shop-web"}
	for _, tc := range []struct {
		name, ns, pod, container, process string
		ok                                bool
	}{
		{"its web pod", "slipway-acme", "shop-web-web-5d9c7b6f4-abcde", "web", "", true},
		{"its worker pod", "slipway-acme", "shop-web-worker-5d9c7b6f4-abcde", "worker", "", true},
		{"the process asked for", "slipway-acme", "shop-web-web-5d9c7b6f4-abcde", "web", "web", true},
		{"another process than asked", "slipway-acme", "shop-web-worker-5d9c7b6f4-abcde", "worker", "web", false},
		{"an application whose name extends ours", "slipway-acme", "shop-web-api-web-5d9c7b6f4-abcde", "web", "", false},
		{"another organization", "slipway-globex", "shop-web-web-5d9c7b6f4-abcde", "web", "", false},
		{"not a Deployment's pod", "slipway-acme", "shop-web-web", "web", "", false},
		{"a sidecar container", "slipway-acme", "shop-web-web-5d9c7b6f4-abcde", "istio-proxy", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q.Process = tc.process
			e := types.FilteredLogEvent{Message: aws.String(containerEvent(tc.ns, tc.pod, tc.container, "hello")), Timestamp: aws.Int64(0)}
			l, ok := runtimeLine(q, e)
			if ok != tc.ok || (ok && (l.Message != "hello" || l.Instance != tc.pod || l.Process != tc.container)) {
				t.Fatalf("runtimeLine: %+v %v, want ok %v", l, ok, tc.ok)
			}
		})
	}
}
