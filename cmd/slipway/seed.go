package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/store"
)

// runSeed runs `slipway seed`: the table and the events/ fixtures' world
// at a DynamoDB endpoint.
func runSeed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	endpoint := fs.String("dynamodb-endpoint", envOr(config.EnvDynamoDBEndpoint, "http://127.0.0.1:8000"), "DynamoDB endpoint (DYNAMODB_ENDPOINT)")
	table := fs.String("table", envOr(config.EnvTableName, "slipway"), "table name (TABLE_NAME)")
	withPipeline := fs.Bool("pipeline", false, "also record the in-progress pipeline (image "+devstack.FixtureImageID+") the events/pipeline fixtures act on")
	if err := parseFlags(fs, args); err != nil {
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
