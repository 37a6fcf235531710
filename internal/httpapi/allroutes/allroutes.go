// Package allroutes puts the routes of every function group on one set of
// dependencies: the local system (devstack) serves them on one handler,
// and tests that must cover every route (apitest.AllRoutes) use the same
// wiring without importing the wiring package.
package allroutes

import (
	"io"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/httpapi/webhooks"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// Wiring is what the function groups share when they run on one handler.
type Wiring struct {
	Store *store.Store
	// Starter starts pipelines, for Full Deploy and webhook pushes alike;
	// Stopper stops them (cancel).
	Starter pipeline.Starter
	Stopper pipeline.Stopper
	// Builder (nil: none) stops the builds of canceled pipelines, which a
	// pipeline with no running execution ends in the request.
	Builder pipeline.Builder
	// Reporter (nil: none) reports the pipelines a request ends.
	Reporter pipeline.ProgressReporter
	// Cluster receives the scale changes of live applications, and the
	// revert of a canceled rollout.
	Cluster pipeline.Cluster
	// Source serves observability history.
	Source observability.Source
	// WebhookSecret verifies GitHub deliveries.
	WebhookSecret webhooks.SecretSource
	IDs           *platform.IDGenerator
	Now           func() time.Time
	// OpenAPI is served at /openapi.yaml.
	OpenAPI []byte
	// Sealer encrypts secret config values; Fingerprints keys their
	// fingerprints.
	Sealer       platform.Sealer
	Fingerprints platform.Fingerprinter
	// Teardowns starts the teardown of deleted applications.
	Teardowns teardown.Starter
	// Config opens the serving release's config when a canceled rollout
	// is reverted (nil: only releases without config vars are).
	Config *pipeline.ConfigOpener
	// Logs serves pipeline and runtime logs; CursorKey signs their
	// cursors (the store's cursor key).
	Logs      platform.LogSource
	CursorKey []byte
	// AppsDomain is the apps domain of default hosts; Routes starts the
	// route check of a domain change (nil: none).
	AppsDomain string
	Routes     pipeline.RouteTrigger
}

// Routes returns the routes of every function group — applications,
// deployments, observability, webhooks — on one set of dependencies: one
// pipeline.Launcher serves Full Deploy, releases, cancel and webhook
// pushes. The local system serves them; tests that must cover every route
// (the isolation matrix) use them through apitest.AllRoutes. A new
// function group is added here.
func Routes(w Wiring) []httpapi.Route {
	launcher := &pipeline.Launcher{Store: w.Store, Starter: w.Starter, Stopper: w.Stopper, Builder: w.Builder,
		Cluster: w.Cluster, Reporter: w.Reporter, Metrics: io.Discard, IDs: w.IDs, Now: w.Now, Config: w.Config}
	var routes []httpapi.Route
	routes = append(routes, applications.Routes(applications.Deps{Store: w.Store, IDs: w.IDs, Now: w.Now, OpenAPI: w.OpenAPI, Cluster: w.Cluster,
		Sealer: w.Sealer, Fingerprints: w.Fingerprints, Teardowns: w.Teardowns, AppsDomain: w.AppsDomain, Routes: w.Routes})...)
	routes = append(routes, deployments.Routes(deployments.Deps{Store: w.Store, Launcher: launcher, Now: w.Now})...)
	routes = append(routes, observability.Routes(observability.Deps{Store: w.Store, Source: w.Source, Now: w.Now,
		Logs: observability.LogDeps{Store: w.Store, Source: w.Logs, Cursors: platform.CursorSigner{Key: w.CursorKey}, Fingerprints: w.Fingerprints}})...)
	routes = append(routes, webhooks.Routes(webhooks.Deps{Store: w.Store, Secret: w.WebhookSecret, Launcher: launcher, Now: w.Now})...)
	return routes
}
