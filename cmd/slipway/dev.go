package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/termlog"
)

// Environment variables of `slipway dev` beyond the shared ones.
const (
	envDataDir  = "SLIPWAY_DATA_DIR"
	envDevToken = "SLIPWAY_DEV_TOKEN"
	envAddr     = "SLIPWAY_ADDR"
	envLogLevel = "LOG_LEVEL"
)

// defaultDataDir is where `slipway dev` keeps its data unless told.
const defaultDataDir = ".slipway"

// runDev runs `slipway dev`: the whole system in this process until
// SIGINT or SIGTERM, which stop it cleanly (exit status 0).
func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	addr := fs.String("addr", envOr(envAddr, "127.0.0.1:8080"), "listen address ("+envAddr+")")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv(config.EnvDynamoDBEndpoint), "external DynamoDB endpoint; empty runs the embedded server ("+config.EnvDynamoDBEndpoint+")")
	table := fs.String("table", envOr(config.EnvTableName, "slipway"), "table name ("+config.EnvTableName+")")
	dataDir := fs.String("data-dir", envOr(envDataDir, defaultDataDir), "where the data and local keys are kept ("+envDataDir+")")
	inMemory := fs.Bool("in-memory", false, "keep nothing: the data is gone when the process ends")
	logLevel := fs.String("log-level", envOr(envLogLevel, "info"), "debug, info, warn or error ("+envLogLevel+")")
	rotate := fs.Bool("rotate-token", false, "replace the platform token by a new one and print it (the old one stops working)")
	clusterSpec := fs.String("cluster", os.Getenv("SLIPWAY_DEV_CLUSTER"), "where workloads run: "+devstack.ClusterSpecHelp+" (SLIPWAY_DEV_CLUSTER)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: slipway dev [flags]\n\nRuns the whole system locally: every route on one port, an embedded DynamoDB, the\nstate machine in-process, simulated builds and rollouts. Ctrl-C stops it.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	level, err := termlog.ParseLevel(*logLevel)
	if err != nil {
		return usageError{msg: err.Error()}
	}
	explicitDir := false
	fs.Visit(func(f *flag.Flag) { explicitDir = explicitDir || f.Name == "data-dir" })
	if *inMemory {
		if explicitDir {
			return usageError{msg: "--in-memory and --data-dir exclude each other"}
		}
		*dataDir = ""
	}
	token := os.Getenv(envDevToken)
	if *rotate && token != "" {
		return usageError{msg: "--rotate-token generates a token; unset " + envDevToken + " to use it"}
	}
	slog.SetDefault(slog.New(termlog.New(os.Stderr, level)))
	simCfg, err := sim.ConfigFromEnv()
	if err != nil {
		return err
	}
	reporter, err := localReporter()
	if err != nil {
		return err
	}
	cluster, err := devstack.ClusterFromSpec(*clusterSpec)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	webhookSecret := os.Getenv(config.EnvLocalWebhookSecret)
	stack, err := devstack.Start(ctx, devstack.Options{
		Addr: *addr, DevToken: token, RotateToken: *rotate, DynamoDBEndpoint: *endpoint, TableName: *table, DataDir: *dataDir,
		CursorSigningKey: []byte(os.Getenv(config.EnvCursorSigningKey)), Simulators: &simCfg,
		WebhookSecret: webhookSecret, Reporter: reporter, Cluster: cluster,
	})
	if err != nil {
		return err
	}
	banner(os.Stdout, stack, bannerFacts{
		dataDir: *dataDir, endpoint: *endpoint, table: *table, sim: simCfg, webhooks: webhookSecret != "",
		level: level, tokenFromEnv: token != "",
	})
	if cluster != nil {
		fmt.Printf("  cluster: %s (observability history has no local source there: every point is null)\n", *clusterSpec)
	}
	<-ctx.Done()
	stop()
	fmt.Fprintln(os.Stderr, "Stopping (running pipelines are marked failed)…")
	stack.Close()
	return nil
}

// bannerFacts are what the banner reports besides the stack itself.
type bannerFacts struct {
	dataDir, endpoint, table string
	sim                      sim.Config
	webhooks                 bool
	level                    slog.Level
	tokenFromEnv             bool
}

// banner prints where the system runs, where its data is, the simulator
// settings, whether webhooks are accepted and the platform token.
func banner(w io.Writer, stack *devstack.Stack, f bannerFacts) {
	fmt.Fprintf(w, "Slipway is running at %s\n", stack.URL)
	fmt.Fprintf(w, "  dashboard:  %s (sign in with the platform token below)\n", stack.DashboardURL())
	switch {
	case f.endpoint != "":
		fmt.Fprintf(w, "  data:       DynamoDB at %s, table %s\n", f.endpoint, f.table)
	case f.dataDir == "":
		fmt.Fprintln(w, "  data:       in memory (--in-memory): gone when this process ends")
	default:
		r := stack.Restored
		fmt.Fprintf(w, "  data:       %s (embedded DynamoDB; %d journal records restored in %s, %.1f MiB on disk)\n",
			f.dataDir, r.Records, r.Took.Round(time.Millisecond), float64(r.Bytes)/(1<<20))
		if r.Discarded > 0 {
			fmt.Fprintf(w, "              dropped %d bytes of a write that was never acknowledged\n", r.Discarded)
		}
	}
	fmt.Fprintf(w, "  simulators: %s (SLIPWAY_SIM_*)\n", f.sim)
	fmt.Fprintf(w, "  routes:     web processes at https://<app>-<project>-<org>.%s (custom domains: slipway domains)\n", platform.DefaultAppsDomain)
	if f.webhooks {
		fmt.Fprintf(w, "  webhooks:   accepted at %s/webhooks/github when signed with SLIPWAY_GITHUB_WEBHOOK_SECRET\n", stack.URL)
	} else {
		fmt.Fprintln(w, "  webhooks:   refused (set SLIPWAY_GITHUB_WEBHOOK_SECRET to accept signed deliveries)")
	}
	fmt.Fprintf(w, "  log level:  %s (--log-level, LOG_LEVEL)\n", strings.ToLower(f.level.String()))
	switch {
	case f.tokenFromEnv:
		fmt.Fprintln(w, "Platform token: the value of SLIPWAY_DEV_TOKEN")
	case stack.TokenGenerated && f.dataDir != "" && f.endpoint == "":
		fmt.Fprintf(w, "Platform token: %s\n  Kept in %s as a hash only: this is the one time it is shown. Lost it? 'slipway dev --rotate-token'\n  (make run ARGS=--rotate-token) prints a new one and revokes this one.\n", stack.Token, f.dataDir)
	case stack.TokenGenerated:
		fmt.Fprintf(w, "Platform token: %s\n  (generated now; set SLIPWAY_DEV_TOKEN to choose your own)\n", stack.Token)
	default:
		fmt.Fprintln(w, "Platform token: the one printed when this data was created (kept as a hash only).\n  Lost it? 'slipway dev --rotate-token' (make run ARGS=--rotate-token) prints a new one.")
	}
	fmt.Fprintf(w, "Try: curl -H \"Authorization: Bearer $TOKEN\" %s/applications/demo/demo\n", stack.URL)
}

// localReporter reports push pipelines to a GitHub API (any base URL) when
// GITHUB_APP_ID and SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE are set.
func localReporter() (pipeline.ProgressReporter, error) {
	id, file := os.Getenv(config.EnvGitHubAppID), os.Getenv("SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE")
	if id == "" || file == "" {
		return nil, nil
	}
	appID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || appID <= 0 {
		return nil, fmt.Errorf("%s=%q: want a GitHub App id", config.EnvGitHubAppID, id)
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return github.PipelineReporter{Reporter: &github.LazyReporter{
		AppID: appID, BaseURL: os.Getenv(config.EnvGitHubAPIURL),
		PrivateKey: func(context.Context) ([]byte, error) { return pem, nil },
	}, AppsDomain: platform.DefaultAppsDomain}, nil
}
