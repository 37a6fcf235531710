package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	installation = 77
	tokenCall    = "POST /app/installations/77/access_tokens"
	deployCall   = "POST /repos/octo/app/deployments"
	statusCall   = "POST /repos/octo/app/deployments/1001/statuses"
)

var testReport = Report{InstallationID: installation, Repository: "octo/app", CommitSHA: "1a2b3c", Environment: "staging", Description: "Slipway deploy of web"}

// sleeper records the waits a Reporter asks for instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

func newReporter(t *testing.T) (*Reporter, *fakeGitHub, *clock, *sleeper) {
	clk := newClock()
	f := newFakeGitHub(t, clk)
	s := &sleeper{}
	return &Reporter{App: f.app(), Sleep: s.Sleep}, f, clk, s
}

func assertCalls(t *testing.T, f *fakeGitHub, want ...string) {
	t.Helper()
	if got := f.Calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestReporterSuccess(t *testing.T) {
	rp, f, _, _ := newReporter(t)
	ctx := context.Background()
	id, err := rp.Started(ctx, testReport)
	if err != nil || id != 1001 {
		t.Fatalf("Started = %d, %v", id, err)
	}
	if err := rp.Finished(ctx, testReport, id, true, "", "https://web.example.com"); err != nil {
		t.Fatal(err)
	}
	assertCalls(t, f, tokenCall, deployCall, statusCall, statusCall)
	bodies := f.Bodies()
	for i, want := range []string{
		`null`,
		`{"auto_merge":false,"description":"Slipway deploy of web","environment":"staging","ref":"1a2b3c","required_contexts":[],"transient_environment":false}`,
		`{"description":"Slipway deploy of web","state":"in_progress"}`,
		`{"auto_inactive":true,"description":"Slipway deploy of web","environment_url":"https://web.example.com","state":"success"}`,
	} {
		if got := jsonOf(bodies[i]); got != want {
			t.Errorf("body %d = %s, want %s", i, got, want)
		}
	}
}

func TestReporterFailure(t *testing.T) {
	rp, f, _, _ := newReporter(t)
	reason := "rollout timed out: " + strings.Repeat("é", 200)
	if err := rp.Finished(context.Background(), testReport, 1001, false, reason, ""); err != nil {
		t.Fatal(err)
	}
	assertCalls(t, f, tokenCall, statusCall)
	body := f.Bodies()[1]
	desc, _ := body["description"].(string)
	if body["state"] != "failure" || len([]rune(desc)) != MaxStatusDescription || !strings.HasSuffix(desc, "é…") || !strings.HasPrefix(desc, "rollout timed out: ") {
		t.Fatalf("body %v", body)
	}
	if _, ok := body["auto_inactive"]; ok {
		t.Fatalf("auto_inactive on failure: %v", body)
	}
	if _, ok := body["environment_url"]; ok {
		t.Fatalf("empty environment_url sent: %v", body)
	}
	if err := rp.Finished(context.Background(), testReport, 0, false, "x", ""); err == nil {
		t.Fatal("Finished without a deployment id succeeded")
	}
}

func TestInstallationTokenCache(t *testing.T) {
	// Tokens live an hour and are replaced 5 minutes before they expire.
	for _, tc := range []struct {
		advance    time.Duration
		wantTokens int
	}{
		{0, 1},
		{54*time.Minute + 59*time.Second, 1},
		{55 * time.Minute, 2},
		{2 * time.Hour, 2},
	} {
		t.Run(tc.advance.String(), func(t *testing.T) {
			rp, f, clk, _ := newReporter(t)
			ctx := context.Background()
			if _, err := rp.Started(ctx, testReport); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tc.advance)
			if _, err := rp.Started(ctx, testReport); err != nil {
				t.Fatal(err)
			}
			tokens := 0
			for _, c := range f.Calls() {
				if c == tokenCall {
					tokens++
				}
			}
			if tokens != tc.wantTokens {
				t.Fatalf("%d token calls, want %d: %v", tokens, tc.wantTokens, f.Calls())
			}
		})
	}
}

func TestInstallationTokenConcurrent(t *testing.T) {
	_, f, _, _ := newReporter(t)
	app := f.app()
	var wg sync.WaitGroup
	tokens := make([]string, 16)
	for i := range tokens {
		wg.Go(func() {
			var err error
			if tokens[i], err = app.InstallationToken(context.Background(), installation); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assertCalls(t, f, tokenCall)
	for _, tok := range tokens {
		if tok != "ghs_token1" {
			t.Fatalf("tokens %v", tokens)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := app.InstallationToken(ctx, 0); err == nil {
		t.Fatal("installation 0 accepted")
	}
}

// fails answers a call with status and body on the attempts at or before
// upTo (0: every attempt).
func fails(call string, upTo, status int, body string) func(string, int) (int, string, bool) {
	return func(c string, n int) (int, string, bool) {
		return status, body, c == call && (upTo == 0 || n <= upTo)
	}
}

func TestReporterRetries(t *testing.T) {
	const attempts3 = 3
	for _, tc := range []struct {
		name       string
		fail       func(string, int) (int, string, bool)
		wantStatus int // 0: success
		wantCalls  []string
		wantWaits  []time.Duration
	}{
		{
			name:      "502 twice, then created",
			fail:      fails(deployCall, 2, http.StatusBadGateway, `{"message":"Server Error"}`),
			wantCalls: []string{tokenCall, deployCall, deployCall, deployCall, statusCall},
			wantWaits: []time.Duration{time.Second, 2 * time.Second},
		},
		{
			name:       "always 503: bounded attempts, last error",
			fail:       fails(deployCall, 0, http.StatusServiceUnavailable, `{"message":"Unavailable"}`),
			wantStatus: http.StatusServiceUnavailable,
			wantCalls:  []string{tokenCall, deployCall, deployCall, deployCall},
			wantWaits:  []time.Duration{time.Second, 2 * time.Second},
		},
		{
			name:       "422 is not retried",
			fail:       fails(deployCall, 0, http.StatusUnprocessableEntity, `{"message":"No ref found for: 1a2b3c"}`),
			wantStatus: http.StatusUnprocessableEntity,
			wantCalls:  []string{tokenCall, deployCall},
		},
		{
			name:       "202 auto-merge is an error",
			fail:       fails(deployCall, 0, http.StatusAccepted, `{"message":"Auto-merged main into topic on deployment."}`),
			wantStatus: http.StatusAccepted,
			wantCalls:  []string{tokenCall, deployCall},
		},
		{
			name:      "429 is retried",
			fail:      fails(statusCall, 1, http.StatusTooManyRequests, `{"message":"slow down"}`),
			wantCalls: []string{tokenCall, deployCall, statusCall, statusCall},
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:       "token exchange failing",
			fail:       fails(tokenCall, 0, http.StatusInternalServerError, `{}`),
			wantStatus: http.StatusInternalServerError,
			wantCalls:  []string{tokenCall, tokenCall, tokenCall},
			wantWaits:  []time.Duration{time.Second, 2 * time.Second},
		},
		{
			name:      "revoked token: dropped and fetched again",
			fail:      fails(statusCall, 1, http.StatusUnauthorized, `{"message":"Bad credentials"}`),
			wantCalls: []string{tokenCall, deployCall, statusCall, tokenCall, statusCall},
			wantWaits: []time.Duration{time.Second},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp, f, _, s := newReporter(t)
			rp.Attempts = attempts3
			f.Fail(tc.fail, nil)
			id, err := rp.Started(context.Background(), testReport)
			var apiErr *APIError
			if tc.wantStatus == 0 {
				if err != nil || id != 1001 {
					t.Fatalf("Started = %d, %v", id, err)
				}
			} else if !errors.As(err, &apiErr) || apiErr.Status != tc.wantStatus || id != 0 {
				t.Fatalf("Started = %d, %v; want an APIError %d", id, err, tc.wantStatus)
			}
			assertCalls(t, f, tc.wantCalls...)
			if jsonOf(s.waits) != jsonOf(tc.wantWaits) {
				t.Fatalf("waits %v, want %v", s.waits, tc.wantWaits)
			}
		})
	}
}

// When only the in_progress status fails, Started still returns the id.
func TestStartedStatusFails(t *testing.T) {
	rp, f, _, _ := newReporter(t)
	f.Fail(fails(statusCall, 0, http.StatusNotFound, `{"message":"Not Found"}`), nil)
	id, err := rp.Started(context.Background(), testReport)
	if id != 1001 || err == nil || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("Started = %d, %v", id, err)
	}
}

func TestCreateDeploymentStatusRefusals(t *testing.T) {
	_, f, _, _ := newReporter(t)
	app := f.app()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		repo  string
		id    int64
		state string
	}{
		{"unknown state", "octo/app", 1, "pending"},
		{"inactive is not posted", "octo/app", 1, "inactive"},
		{"no deployment", "octo/app", 0, StateSuccess},
		{"repo without owner", "app", 1, StateSuccess},
		{"repo with a path", "octo/app/extra", 1, StateSuccess},
		{"dot-dot repo", "octo/..", 1, StateSuccess},
	} {
		if err := app.CreateDeploymentStatus(ctx, installation, tc.repo, tc.id, tc.state, "", ""); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := app.CreateDeployment(ctx, installation, "octo/app", "", "", ""); err == nil {
		t.Error("deployment without a ref accepted")
	}
	assertCalls(t, f)
}
