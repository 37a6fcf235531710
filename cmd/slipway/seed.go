package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/store"
)

// runSeed runs `slipway seed`: the table and the events/ fixtures' world
// at a DynamoDB endpoint. The world includes a platform token everyone
// knows (devstack.FixtureToken), so an endpoint that is not on this
// machine is refused unless --force.
func runSeed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	endpoint := fs.String("dynamodb-endpoint", envOr(config.EnvDynamoDBEndpoint, "http://127.0.0.1:8000"), "DynamoDB endpoint (DYNAMODB_ENDPOINT); must be on this machine unless --force")
	table := fs.String("table", envOr(config.EnvTableName, "slipway"), "table name (TABLE_NAME)")
	withPipeline := fs.Bool("pipeline", false, "also record the in-progress pipeline (image "+devstack.FixtureImageID+") the events/pipeline fixtures act on")
	force := fs.Bool("force", false, "seed an endpoint that is not on this machine (it plants a well-known platform token: never on a real table)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := seedAllowed(*endpoint, *force); err != nil {
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

// errRemoteSeed is why seed refuses an endpoint off this machine.
var errRemoteSeed = errors.New("refusing to seed: it plants the well-known platform token " + devstack.FixtureToken +
	", and the endpoint is not on this machine (loopback); to create a real platform token use 'slipway bootstrap', or pass --force if this endpoint really is a throwaway emulator")

// seedAllowed refuses an endpoint that is not loopback unless forced; an
// empty endpoint (AWS itself) is never loopback.
func seedAllowed(endpoint string, force bool) error {
	local, err := isLoopbackURL(endpoint)
	if err != nil {
		return usageError{msg: fmt.Sprintf("--dynamodb-endpoint %q: %v", endpoint, err)}
	}
	if !local && !force {
		return errRemoteSeed
	}
	return nil
}

// isLoopbackURL reports whether an endpoint URL names this machine: a
// loopback IP address or "localhost". Any other name is not trusted to be
// local, even when it resolves to a loopback address today.
func isLoopbackURL(endpoint string) (bool, error) {
	if endpoint == "" {
		return false, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false, errors.New("want an http(s) URL with a host")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

func nowUTC() time.Time { return time.Now().UTC() }
