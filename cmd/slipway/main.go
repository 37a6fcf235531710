// Command slipway runs the local system (`slipway dev`).
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

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/store"
)

const usage = `usage: slipway <command> [flags]

commands:
  dev    run the whole system locally (embedded DynamoDB, no AWS account, no Docker)
  seed   create the table and the world the events/ fixtures expect, at a DynamoDB
         endpoint (for sam local with DynamoDB Local); --pipeline also records the
         in-progress pipeline the events/pipeline step fixtures act on
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "dev":
		if err := dev(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "slipway dev:", err)
			os.Exit(1)
		}
	case "seed":
		if err := seed(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "slipway seed:", err)
			os.Exit(1)
		}
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "slipway: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}

func dev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	addr := fs.String("addr", envOr("SLIPWAY_ADDR", "127.0.0.1:8080"), "listen address (SLIPWAY_ADDR)")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "external DynamoDB endpoint; empty runs the embedded server (DYNAMODB_ENDPOINT)")
	table := fs.String("table", envOr("TABLE_NAME", "slipway"), "table name (TABLE_NAME)")
	if err := fs.Parse(args); err != nil {
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

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
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

func seed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	endpoint := fs.String("dynamodb-endpoint", envOr(config.EnvDynamoDBEndpoint, "http://127.0.0.1:8000"), "DynamoDB endpoint (DYNAMODB_ENDPOINT)")
	table := fs.String("table", envOr(config.EnvTableName, "slipway"), "table name (TABLE_NAME)")
	withPipeline := fs.Bool("pipeline", false, "also record the in-progress pipeline (image "+devstack.FixtureImageID+") the events/pipeline fixtures act on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	client := store.NewClient(awsconf.FromEnv(), *endpoint)
	if err := store.CreateTable(ctx, client, *table); err != nil {
		return err
	}
	st := store.New(client, *table, nil)
	if err := devstack.SeedFixtures(ctx, st); err != nil {
		return err
	}
	if *withPipeline {
		if err := devstack.StartFixturePipeline(ctx, st, "slipway seed"); err != nil {
			return fmt.Errorf("recording the fixtures' pipeline: %w", err)
		}
	}
	fmt.Printf("Table %s at %s holds the events/ fixtures' world; token: %s\n", *table, *endpoint, devstack.FixtureToken)
	return nil
}
