package termlog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/termlog"
)

func TestLines(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		level slog.Level
		msg   string
		attrs []any
		with  []any
		group string
		want  string
	}{
		{"request", slog.LevelInfo, "request",
			[]any{"method", "GET", "path", "/applications/demo/demo", "status", 200, "duration_ms", int64(3), "request_id", "abc123"}, nil, "",
			"12:04:05 INFO  GET /applications/demo/demo → 200 3ms  req=abc123\n"},
		{"request with extra", slog.LevelWarn, "request",
			[]any{"request_id", "r1", "method", "POST", "route", "POST /applications", "status", 422, "duration_ms", 1, "org", "acme"}, nil, "",
			"12:04:05 WARN  POST POST /applications → 422 1ms  req=r1  org=acme\n"},
		{"stage", slog.LevelInfo, "pipeline",
			[]any{"app", "demo/demo/web", "pipeline", "0193", "stage", "deploy", "status", "error", "reason", "simulated crash loop: pod \"web\""}, nil, "",
			"12:04:05 INFO  pipeline demo/demo/web 0193 deploy → error  reason=\"simulated crash loop: pod \\\"web\\\"\"\n"},
		{"generic", slog.LevelError, "something failed", []any{"error", "boom now", "n", 2, "empty", ""}, nil, "",
			"12:04:05 ERROR something failed  error=\"boom now\"  n=2  empty=\"\"\n"},
		{"with attrs and group", slog.LevelDebug, "x", []any{"k", "v", slog.Group("g", "inner", 1)}, []any{"comp", "sim"}, "sub",
			"12:04:05 DEBUG x  comp=sim  sub.k=v  sub.g.inner=1\n"},
		{"no line breaks", slog.LevelInfo, "m", []any{"v", "a\nb=c"}, nil, "",
			"12:04:05 INFO  m  v=\"a\\nb=c\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			var h slog.Handler = termlog.New(&out, slog.LevelDebug)
			if tc.with != nil {
				h = slog.New(h).With(tc.with...).Handler()
			}
			if tc.group != "" {
				h = h.WithGroup(tc.group)
			}
			r := slog.NewRecord(at, tc.level, tc.msg, 0)
			r.Add(tc.attrs...)
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Fatalf("got  %q\nwant %q", out.String(), tc.want)
			}
		})
	}
}

func TestLevel(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(termlog.New(&out, slog.LevelWarn))
	log.Info("hidden")
	log.Warn("shown")
	if got := out.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "shown") {
		t.Fatalf("level filter: %q", got)
	}
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := termlog.ParseLevel(in); err != nil || got != want {
			t.Fatalf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "verbose", "info+2"} {
		if _, err := termlog.ParseLevel(bad); err == nil {
			t.Fatalf("ParseLevel(%q) accepted", bad)
		}
	}
}
