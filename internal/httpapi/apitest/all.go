package apitest

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/allroutes"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/httpapi/observability/simsource"
	"github.com/slipway-paas/slipway/internal/httpapi/webhooks"
	"github.com/slipway-paas/slipway/internal/logstore"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// Revoked names a token of an admin of "acme" that was created and then
// revoked; AddRevoked seeds it (New does not).
const Revoked = "revoked"

// AddRevoked creates an admin token of "acme", revokes it through the
// store, and registers its secret as identity Revoked. The table is left
// as it was: a revoked token leaves no item behind.
func (e *Env) AddRevoked() {
	e.T.Helper()
	ctx := context.Background()
	acme := e.Projects["acme/shop"]
	secret := httpapi.NewTokenSecret()
	tok := platform.Token{ID: e.IDs.NewID(), Name: Revoked, Role: platform.RoleAdmin, OrganizationSlug: "acme",
		OrganizationID: acme.OrganizationID, Hash: httpapi.HashToken(secret), Created: time.Now().UTC()}
	must(e.T, e.Store.CreateToken(ctx, tok))
	must(e.T, e.Store.RevokeToken(ctx, "acme", tok.ID))
	e.Tokens[Revoked] = secret
}

// AllDeps are the outside systems behind AllRoutes; every nil field gets
// a harmless default.
type AllDeps struct {
	// Starter starts pipelines, for Full Deploy and webhook pushes alike
	// (default: a new *RecordingStarter); when it is a pipeline.Stopper it
	// also stops them (cancel).
	Starter pipeline.Starter
	// Cluster receives the scale changes of live applications (default: a
	// pipelinetest.Cluster).
	Cluster pipeline.Cluster
	// Source serves observability history (default: the local system's
	// source over a cluster simulator with default settings).
	Source observability.Source
	// WebhookSecret verifies GitHub deliveries (default: none, so every
	// delivery is refused).
	WebhookSecret webhooks.SecretSource
	// Now is the clock (default: time.Now).
	Now func() time.Time
	// Teardowns starts teardowns of deleted applications (default: a new
	// *RecordingTeardowns).
	Teardowns teardown.Starter
	// OpenAPI is served at /openapi.yaml.
	OpenAPI []byte
	// Logs serves pipeline and runtime logs (default: an empty local log
	// store on Now).
	Logs platform.LogSource
	// Fingerprints keys config fingerprints (default: a random key).
	Fingerprints platform.Fingerprinter
}

// AllRoutes returns the routes of every function group over env's store,
// wired as the local system wires them (allroutes.Routes), with env.IDs.
// Use it as New's routes function (or part of it) when a test must cover
// every route, e.g. the tenant isolation matrix of package httpapi, which
// fails when a route returned here has no row.
func AllRoutes(env *Env, d AllDeps) []httpapi.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Starter == nil {
		d.Starter = &RecordingStarter{}
	}
	if d.Cluster == nil {
		d.Cluster = &pipelinetest.Cluster{}
	}
	if d.Source == nil {
		d.Source = simsource.Source{Cluster: sim.NewCluster(sim.DefaultConfig(), d.Now)}
	}
	if d.Teardowns == nil {
		d.Teardowns = &RecordingTeardowns{}
	}
	if d.WebhookSecret == nil {
		d.WebhookSecret = func(context.Context) ([]byte, error) { return nil, nil }
	}
	// Config keys: random, in memory, as the local system makes them with
	// no data directory.
	seal, fingerprint := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(seal)
	_, _ = rand.Read(fingerprint)
	if d.Fingerprints.Key != nil {
		fingerprint = d.Fingerprints.Key
	}
	if d.Logs == nil {
		d.Logs = logstore.New(nowClock(d.Now), nil)
	}
	sealer := platform.Envelope{Keys: platform.LocalDataKeys{Master: seal}}
	stopper, _ := d.Starter.(pipeline.Stopper)
	return allroutes.Routes(allroutes.Wiring{
		Store: env.Store, Starter: d.Starter, Stopper: stopper, Cluster: d.Cluster, Source: d.Source, WebhookSecret: d.WebhookSecret,
		IDs: env.IDs, Now: d.Now, OpenAPI: d.OpenAPI, Sealer: sealer, Fingerprints: platform.Fingerprinter{Key: fingerprint}, Teardowns: d.Teardowns,
		Logs: d.Logs, CursorKey: []byte(storetest.CursorKey),
	})
}

// RecordingStarter is a pipeline.Starter that records every start and
// runs nothing: the started pipeline stays in progress.
type RecordingStarter struct {
	mu   sync.Mutex
	runs []pipeline.Run
}

// Start records run.
func (s *RecordingStarter) Start(_ context.Context, run pipeline.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, run)
	return nil
}

// Stop answers pipeline.ErrNotRunning: nothing runs, so a cancel ends the
// pipeline at once.
func (s *RecordingStarter) Stop(context.Context, string, string) error { return pipeline.ErrNotRunning }

// Runs returns the runs started so far, in order.
func (s *RecordingStarter) Runs() []pipeline.Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pipeline.Run(nil), s.runs...)
}

// RecordingTeardowns is a teardown.Starter that records every start and
// runs nothing: the tombstone stays.
type RecordingTeardowns struct {
	mu   sync.Mutex
	runs []teardown.Run
	// Err, when set, fails every start.
	Err error
}

// StartTeardown records run.
func (s *RecordingTeardowns) StartTeardown(_ context.Context, run teardown.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.runs = append(s.runs, run)
	return nil
}

// Runs returns the teardowns started so far, in order.
func (s *RecordingTeardowns) Runs() []teardown.Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]teardown.Run(nil), s.runs...)
}

// nowClock is a clock reading now whose sleeps wait on the wall clock.
type nowClock func() time.Time

func (c nowClock) Now() time.Time { return c() }

func (nowClock) Sleep(ctx context.Context, d time.Duration) error {
	return stepfn.RealClock{}.Sleep(ctx, d)
}
