package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestWriteErrorClientGone: a request whose client went away (its context
// canceled, the error only that cancellation) is no server failure: one
// info line, no ERROR; every other 5xx is still an ERROR with its cause.
func TestWriteErrorClientGone(t *testing.T) {
	var records []slog.Record
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	slog.SetDefault(slog.New(captureLog{level: slog.LevelDebug, records: &records}))
	for _, tc := range []struct {
		name     string
		canceled bool
		err      error
		level    slog.Level
		message  string
	}{
		{"the client went away during a long poll", true, platform.Unavailable(fmt.Errorf("reading logs: %w", context.Canceled)), slog.LevelInfo, "request canceled by the client"},
		{"the client went away, the error is bare", true, context.Canceled, slog.LevelInfo, "request canceled by the client"},
		{"a cancellation while the client waits", false, platform.Unavailable(context.Canceled), slog.LevelError, "request failed"},
		{"another failure after the client left", true, platform.Unavailable(errors.New("table throttled")), slog.LevelError, "request failed"},
		{"an internal error", false, errors.New("boom"), slog.LevelError, "request failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			records = nil
			req := httptest.NewRequest("GET", "/applications/x/logs", nil)
			if tc.canceled {
				ctx, cancel := context.WithCancel(req.Context())
				cancel()
				req = req.WithContext(ctx)
			}
			httpapi.WriteError(httptest.NewRecorder(), req, tc.err)
			if len(records) != 1 || records[0].Level != tc.level || records[0].Message != tc.message {
				var got []string
				for _, r := range records {
					got = append(got, r.Level.String()+" "+r.Message)
				}
				t.Fatalf("logged %v, want one %v %q", got, tc.level, tc.message)
			}
		})
	}
}
