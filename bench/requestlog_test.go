package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/platform"
)

// memStore answers Get Application's two reads from memory, so that a
// benchmark sees only the HTTP layer's own work.
type memStore struct {
	applications.Store
	app platform.Application
	tok platform.Token
}

func (m memStore) GetApplicationBySlug(context.Context, string, string, string) (platform.Application, error) {
	return m.app, nil
}

func (m memStore) TokenByHash(context.Context, string) (platform.Token, error) { return m.tok, nil }

// BenchmarkRequestLog is Get Application through the whole HTTP layer —
// middleware, token check, handler, view — on an in-memory store, with the
// request log off and on (slog's text handler at Info, to io.Discard): the
// difference is what the request log costs each request.
func BenchmarkRequestLog(b *testing.B) {
	prev := slog.Default()
	defer slog.SetDefault(prev)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	app := platform.Application{ID: "01936f4e-7c1a-7000-8000-0000000000a1", Name: "Web", Slug: "web", ProjectSlug: "demo", OrganizationSlug: "demo",
		Platform: platform.DefaultPlatform, ProcessCounts: map[string]int{"web": 1}, ProcessPodClasses: map[string]string{},
		Settings: platform.DefaultSettings(), Created: now, Updated: now, Version: 3}
	st := memStore{app: app, tok: platform.Token{ID: "t", Role: platform.RolePlatform}}
	h := httpapi.NewHandler(httpapi.Config{Tokens: st}, applications.Routes(applications.Deps{Store: st}))
	for _, tc := range []struct {
		name  string
		level slog.Level
	}{{"log=off", slog.LevelWarn}, {"log=on", slog.LevelInfo}} {
		b.Run(tc.name, func(b *testing.B) {
			slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: tc.level})))
			req := httptest.NewRequest("GET", "/applications/demo/demo/web", nil)
			req.Header.Set("Authorization", "Bearer slw_bench")
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
