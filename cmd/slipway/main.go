// Command slipway runs the local system (`slipway dev`).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/slipway-paas/slipway/internal/devstack"
)

const usage = `usage: slipway <command> [flags]

commands:
  dev   run the whole system locally (embedded DynamoDB, no AWS account, no Docker)
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stack, err := devstack.Start(ctx, devstack.Options{
		Addr: *addr, DevToken: os.Getenv("SLIPWAY_DEV_TOKEN"), DynamoDBEndpoint: *endpoint, TableName: *table,
		CursorSigningKey: []byte(os.Getenv("CURSOR_SIGNING_KEY")),
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
