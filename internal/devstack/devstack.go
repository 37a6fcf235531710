// Package devstack wires the whole system into one process for `slipway
// dev`: every function group's routes on one http.ServeMux, DynamoDB as the
// embedded server (or any endpoint), Step Functions as the local executor
// of the same state machine definition, CodeBuild and EKS as the
// simulators of package sim, and a seeded organization, project and
// platform token.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/bootstrap"
	"github.com/slipway-paas/slipway/internal/dynamolocal"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/allroutes"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/httpapi/observability/simsource"
	"github.com/slipway-paas/slipway/internal/logstore"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// Options configure the local system.
type Options struct {
	// Addr is the listen address; "127.0.0.1:0" picks a free port.
	Addr string
	// DevToken is the seeded platform token; empty generates one unless
	// the data holds a platform token already.
	DevToken string
	// RotateToken replaces every platform token by a newly generated one.
	RotateToken bool
	// DynamoDBEndpoint points at an external DynamoDB; empty runs the
	// embedded server.
	DynamoDBEndpoint string
	// TableName defaults to "slipway".
	TableName string
	// CursorSigningKey defaults to the local key "cursor-signing" (see
	// LocalKeys), so cursors stay valid across restarts of a persistent
	// run.
	CursorSigningKey []byte
	// DataDir keeps the local system's data (the embedded DynamoDB's
	// journal, the local keys); empty keeps everything in memory.
	DataDir string
	// Simulators configures the local builder and cluster (nil: defaults).
	Simulators *sim.Config
	// WebhookSecret verifies GitHub deliveries; empty refuses them all.
	WebhookSecret string
	// PollSeconds is the pipeline's wait between polls (default 1).
	PollSeconds int
	// Reporter, when set, reports push pipelines to GitHub.
	Reporter pipeline.ProgressReporter
	// Clock drives the pipeline and the simulators (nil: the real clock);
	// tests pass a virtual one.
	Clock stepfn.Clock
	// Cluster, when set, runs the workloads on a real cluster instead of
	// the cluster simulator (`slipway dev --cluster kubeconfig=PATH`, see
	// ClusterFromSpec); observability then has no local source of usage
	// history, and every point of it is null.
	Cluster pipeline.Cluster
	// AppsDomain is the apps domain of default hosts (web_url); empty is
	// platform.DefaultAppsDomain.
	AppsDomain string
}

// Stack is the running local system.
type Stack struct {
	// URL is the API's base URL.
	URL string
	// Token is the seeded platform token; empty when the data held one
	// already (only its hash is kept, so it cannot be shown again).
	Token string
	// TokenGenerated is true when Token was generated rather than given.
	TokenGenerated bool
	Store          *store.Store
	Handler        http.Handler
	// Cluster is the cluster simulator (its samples feed observability);
	// nil when Options.Cluster is a real cluster.
	Cluster *sim.Cluster
	// Runner executes the deploy state machine in-process.
	Runner *localrun.Runner
	// Keys keeps small secret keys with the data (in memory without a
	// data directory): wiring that needs a local key (a Sealer's, say)
	// takes it from here.
	Keys *LocalKeys
	// Restored says what the embedded DynamoDB read back from DataDir.
	Restored dynamolocal.Restored
	// Teardowns executes the teardown state machine in-process.
	Teardowns *localrun.Teardowns
	// Logs is the local log store the simulators write and the log routes
	// read.
	Logs *logstore.Store
	// Images simulates the image repository's release tags.
	Images *sim.Images
	// Routes is the route check of custom domains (nil on a cluster that
	// cannot route); tests on a virtual clock run its CheckAll.
	Routes *pipeline.RouteCheck
	routes *localRoutes

	srv      *http.Server
	embedded *dynamolocal.Server
	steps    *pipeline.Steps
	running  *runningSet
}

// Seeded names.
const (
	DemoOrganization = "demo"
	DemoProject      = "demo"
)

// Start brings the local system up and serves it.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.TableName == "" {
		opts.TableName = "slipway"
	}
	s := &Stack{Keys: NewLocalKeys(opts.DataDir)}
	if len(opts.CursorSigningKey) == 0 {
		key, err := s.Keys.Key("cursor-signing")
		if err != nil {
			return nil, err
		}
		opts.CursorSigningKey = key
	}
	endpoint := opts.DynamoDBEndpoint
	if endpoint == "" {
		emb, err := startEmbedded(opts.DataDir)
		if err != nil {
			return nil, err
		}
		s.embedded, endpoint, s.Restored = emb, emb.Endpoint, emb.Restored
	}
	client := store.NewClient(awsconf.FromEnv(), endpoint)
	if err := store.CreateTable(ctx, client, opts.TableName); err != nil {
		s.Close()
		return nil, fmt.Errorf("devstack: creating table %s at %s: %w", opts.TableName, endpoint, err)
	}
	s.Store = store.New(client, opts.TableName, opts.CursorSigningKey, store.WithTokenCache(TokenCacheTTL))
	if err := s.seed(ctx, opts); err != nil {
		s.Close()
		return nil, err
	}
	running, err := openRunningSet(opts.DataDir)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.running = running
	if err := s.wire(opts); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.failInterrupted(ctx); err != nil {
		s.Close()
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10, // API Gateway allows 10 KB of request line and headers
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("local server stopped", "error", err.Error())
		}
	}()
	return s, nil
}

// startEmbedded runs the embedded DynamoDB: in memory, or keeping its
// data under dataDir.
func startEmbedded(dataDir string) (*dynamolocal.Server, error) {
	if dataDir == "" {
		return dynamolocal.Start()
	}
	return dynamolocal.Open(filepath.Join(dataDir, "dynamodb"))
}

// seed creates organization demo and project demo if missing, and the
// platform token: the given one, else a generated one unless the data
// holds a platform token already (or a rotation is asked for).
func (s *Stack) seed(ctx context.Context, opts Options) error {
	if opts.DevToken != "" && !opts.RotateToken {
		s.Token = opts.DevToken
		return Seed(ctx, s.Store, s.Token)
	}
	if err := SeedWorld(ctx, s.Store); err != nil {
		return err
	}
	issued, err := bootstrap.PlatformToken(ctx, s.Store, "dev", opts.RotateToken, time.Now())
	switch {
	case errors.Is(err, bootstrap.ErrTokenExists):
		return nil // kept from an earlier run
	case err != nil:
		return fmt.Errorf("devstack: seeding the platform token: %w", err)
	}
	s.Token, s.TokenGenerated = issued.Secret, true
	return nil
}

// wire builds the pipeline (the same state machine definition, run by the
// local executor, over the builder and cluster simulators) and every
// function group's routes on one handler.
func (s *Stack) wire(opts Options) error {
	if opts.PollSeconds <= 0 {
		opts.PollSeconds = 1
	}
	simCfg := sim.DefaultConfig()
	if opts.Simulators != nil {
		simCfg = *opts.Simulators
	}
	clock := opts.Clock
	if clock == nil {
		clock = stepfn.RealClock{}
	}
	appsDomain := opts.AppsDomain
	if appsDomain == "" {
		appsDomain = platform.DefaultAppsDomain
	}
	if simCfg.AppsDomain == "" {
		simCfg.AppsDomain = appsDomain
	}
	ids := &platform.IDGenerator{Now: clock.Now}
	// The simulators write their logs into the local log store (in
	// memory: logs do not survive a restart).
	s.Logs = logstore.New(clock, nil)
	if simCfg.Logs != nil { // the caller watches the lines too
		simCfg.Logs = sim.TeeLogs(s.Logs, simCfg.Logs)
	} else {
		simCfg.Logs = s.Logs
	}
	cluster, source := opts.Cluster, observability.Source(noHistory{})
	if cluster == nil {
		s.Cluster = sim.NewCluster(simCfg, clock.Now)
		cluster, source = s.Cluster, simsource.Source{Cluster: s.Cluster}
		s.Logs.SetGenerator(s.Cluster)
	}
	steps := &pipeline.Steps{
		Store: newStageLog(s.Store, s.running), Builder: sim.NewBuilder(simCfg, clock.Now), Sources: sim.NewSources(clock.Now), Cluster: cluster,
		Now: clock.Now, IDs: ids, PollSeconds: opts.PollSeconds, Reporter: opts.Reporter,
		Metrics: io.Discard, // the EMF lines are for CloudWatch Logs only
		// The log store (and a watching caller) gets the pipeline's own
		// lines, a release job's output among them.
		Logs: simCfg.Logs,
	}
	s.Images = sim.NewImages()
	steps.Images = s.Images
	runner, err := localrun.New(slipway.DeployStateMachine, steps, stepfn.WithClock(clock))
	if err != nil {
		return fmt.Errorf("devstack: loading the deploy state machine: %w", err)
	}
	s.Runner, s.steps = runner, steps
	configKeys, err := ConfigKeysFrom(s.Keys)
	if err != nil {
		return err
	}
	// The pipeline opens the config each release and build is pinned to.
	steps.Config = &pipeline.ConfigOpener{Store: s.Store, Unsealer: configKeys.Envelope}
	teardowns, err := localrun.NewTeardowns(slipway.TeardownStateMachine, &teardown.Steps{Store: s.Store, Cluster: cluster, Images: s.Images}, stepfn.WithClock(clock))
	if err != nil {
		return fmt.Errorf("devstack: loading the teardown state machine: %w", err)
	}
	s.Teardowns = teardowns
	s.routes = startRoutes(s.Store, cluster, clock.Now, opts.Clock == nil)
	var routeTrigger pipeline.RouteTrigger
	if s.routes != nil {
		s.Routes, routeTrigger = s.routes.check, s.routes.trigger
	}
	secret := []byte(opts.WebhookSecret)
	// The queued push a pipeline leaves is started by the steps: tracked too.
	starter := trackingStarter{next: runner, running: s.running}
	steps.Starter = starter
	s.Handler = httpapi.NewHandler(httpapi.Config{Tokens: s.Store, Idempotency: s.Store}, allroutes.Routes(allroutes.Wiring{
		Store: s.Store, Starter: starter, Stopper: runner, Builder: steps.Builder, Reporter: opts.Reporter, Cluster: cluster, Source: source,
		WebhookSecret: func(context.Context) ([]byte, error) { return secret, nil },
		IDs:           ids, Now: clock.Now, OpenAPI: slipway.OpenAPI,
		Sealer: configKeys.Envelope, Fingerprints: configKeys.Fingerprints,
		Teardowns: teardowns,
		Config:    steps.Config,
		Logs:      s.Logs, CursorKey: opts.CursorSigningKey,
		AppsDomain: appsDomain, Routes: routeTrigger,
	}))
	s.Handler = withDashboard(s.Handler)
	return nil
}

// ConfigKeys are the local system's keys of config values: the envelope
// over a local master key (it seals and, for the pipeline, unseals) and
// the fingerprinter.
type ConfigKeys struct {
	Envelope     platform.Envelope
	Fingerprints platform.Fingerprinter
}

// ConfigKeysFrom takes the local system's keys of config values from
// keys: "config-seal" wraps the data keys of secret values,
// "config-fingerprint" keys their fingerprints.
func ConfigKeysFrom(keys *LocalKeys) (ConfigKeys, error) {
	seal, err := keys.Key("config-seal")
	if err != nil {
		return ConfigKeys{}, err
	}
	fp, err := keys.Key("config-fingerprint")
	if err != nil {
		return ConfigKeys{}, err
	}
	return ConfigKeys{
		Envelope:     platform.Envelope{Keys: platform.LocalDataKeys{Master: seal}},
		Fingerprints: platform.Fingerprinter{Key: fp},
	}, nil
}

// Seed creates organization demo, project demo and a platform token with
// the given secret; what exists already is left alone.
func Seed(ctx context.Context, st *store.Store, token string) error {
	if err := SeedWorld(ctx, st); err != nil {
		return err
	}
	tok := platform.Token{ID: (&platform.IDGenerator{}).NewID(), Name: "dev", Role: platform.RolePlatform, Hash: httpapi.HashToken(token), Created: time.Now().UTC()}
	if err := st.CreateToken(ctx, tok); err != nil && !platform.IsCode(err, platform.CodeConflict) {
		return fmt.Errorf("devstack: seeding token: %w", err)
	}
	return nil
}

// SeedWorld creates organization demo and project demo; what exists
// already is left alone.
func SeedWorld(ctx context.Context, st *store.Store) error {
	ids := &platform.IDGenerator{}
	now := time.Now().UTC()
	org := platform.Organization{ID: ids.NewID(), Name: "Demo", Slug: DemoOrganization, Created: now}
	if err := st.CreateOrganization(ctx, org); platform.IsCode(err, platform.CodeConflict) {
		if org, err = st.GetOrganization(ctx, DemoOrganization); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("devstack: seeding organization: %w", err)
	}
	project := platform.Project{ID: ids.NewID(), OrganizationID: org.ID, OrganizationSlug: org.Slug, Name: "Demo", Slug: DemoProject, Created: now}
	if err := st.CreateProject(ctx, project); err != nil && !platform.IsCode(err, platform.CodeConflict) {
		return fmt.Errorf("devstack: seeding project: %w", err)
	}
	return nil
}

// Close stops the server, aborts running pipelines (marking them failed)
// and stops the embedded DynamoDB.
func (s *Stack) Close() {
	if s.srv != nil {
		_ = s.srv.Close()
	}
	if s.Runner != nil {
		s.Runner.Close()
	}
	if s.Teardowns != nil {
		s.Teardowns.Close()
	}
	s.routes.close()
	if s.embedded != nil {
		_ = s.embedded.Close()
	}
}
