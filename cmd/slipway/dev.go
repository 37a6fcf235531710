package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/sim"
)

// runDev runs `slipway dev`: the whole system in this process until
// SIGINT or SIGTERM.
func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	addr := fs.String("addr", envOr("SLIPWAY_ADDR", "127.0.0.1:8080"), "listen address (SLIPWAY_ADDR)")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "external DynamoDB endpoint; empty runs the embedded server (DYNAMODB_ENDPOINT)")
	table := fs.String("table", envOr("TABLE_NAME", "slipway"), "table name (TABLE_NAME)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	simCfg, err := sim.ConfigFromEnv()
	if err != nil {
		return err
	}
	reporter, err := localReporter()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stack, err := devstack.Start(ctx, devstack.Options{
		Addr: *addr, DevToken: os.Getenv("SLIPWAY_DEV_TOKEN"), DynamoDBEndpoint: *endpoint, TableName: *table,
		CursorSigningKey: []byte(os.Getenv(config.EnvCursorSigningKey)), Simulators: &simCfg,
		WebhookSecret: os.Getenv(config.EnvLocalWebhookSecret), Reporter: reporter,
	})
	if err != nil {
		return err
	}
	defer stack.Close()
	storage := "embedded DynamoDB (in memory)"
	if *endpoint != "" {
		storage = "DynamoDB at " + *endpoint
	}
	fmt.Printf("Slipway is running at %s (%s)\n", stack.URL, storage)
	if stack.TokenGenerated {
		fmt.Printf("Platform token: %s\n  (generated for this run; set SLIPWAY_DEV_TOKEN to choose your own)\n", stack.Token)
	} else {
		fmt.Println("Platform token: the value of SLIPWAY_DEV_TOKEN")
	}
	if os.Getenv(config.EnvLocalWebhookSecret) == "" {
		fmt.Println("GitHub webhooks: refused (set SLIPWAY_GITHUB_WEBHOOK_SECRET to accept signed deliveries)")
	}
	fmt.Printf("Try: curl -H \"Authorization: Bearer $TOKEN\" %s/applications/demo/demo\n", stack.URL)
	<-ctx.Done()
	return nil
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
	}}, nil
}
