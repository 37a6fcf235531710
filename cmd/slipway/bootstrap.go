package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/awsconf/standard"
	"github.com/slipway-paas/slipway/internal/bootstrap"
	"github.com/slipway-paas/slipway/internal/store"
)

// runBootstrap runs `slipway bootstrap`: a new platform token in an
// existing table, printed once.
func runBootstrap(args []string) error {
	return bootstrapTo(os.Stdout, args)
}

func bootstrapTo(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	table := fs.String("table", "", "the stack's table (its TableName output); required")
	endpoint := fs.String("dynamodb-endpoint", "", "DynamoDB endpoint; empty is AWS itself, with the standard credential chain (AWS_PROFILE, AWS_REGION, …)")
	rotate := fs.Bool("rotate", false, "replace the existing platform tokens (they stop working at once)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: slipway bootstrap --table NAME [--dynamodb-endpoint URL] [--rotate]\n\n"+
			"Writes a new platform token into a deployed Slipway table and prints it once (only its\n"+
			"hash is stored). Refuses when a platform token exists unless --rotate.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *table == "" {
		return usageError{msg: "--table is required (the stack's TableName output)"}
	}
	ctx := context.Background()
	cfg, err := bootstrapConfig(ctx, *endpoint)
	if err != nil {
		return err
	}
	client := store.NewClient(cfg, *endpoint)
	where := fmt.Sprintf("in region %s", cfg.Region)
	if *endpoint != "" {
		where = "at " + *endpoint
	}
	if err := bootstrap.CheckTable(ctx, client, *table); errors.Is(err, bootstrap.ErrNoTable) {
		return fmt.Errorf("table %q does not exist %s: pass the stack's TableName output as --table, and check AWS_REGION / AWS_PROFILE", *table, where)
	} else if err != nil {
		return err
	}
	st := store.New(client, *table, nil)
	issued, err := bootstrap.PlatformToken(ctx, st, "bootstrap", *rotate, nowUTC())
	if errors.Is(err, bootstrap.ErrTokenExists) {
		return fmt.Errorf("table %q %s has %d platform token(s) already; nothing was changed. "+
			"Run again with --rotate to replace them (they stop working at once)", *table, where, len(issued.Revoked))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Platform token for table %s %s:\n\n  %s\n\nIt is stored only as a hash: keep it now, it cannot be shown again.\n", *table, where, issued.Secret)
	if len(issued.Revoked) > 0 {
		fmt.Fprintf(w, "Revoked %d earlier platform token(s).\n", len(issued.Revoked))
	}
	return nil
}

// bootstrapConfig is the standard AWS configuration chain, or, for an
// endpoint on this machine (DynamoDB Local, moto), the environment's
// credentials or placeholders (local emulators accept any signature).
func bootstrapConfig(ctx context.Context, endpoint string) (aws.Config, error) {
	if endpoint != "" {
		local, err := isLoopbackURL(endpoint)
		if err != nil {
			var none aws.Config
			return none, usageError{msg: fmt.Sprintf("--dynamodb-endpoint %q: %v", endpoint, err)}
		}
		if local {
			return awsconf.FromEnv(), nil
		}
	}
	return standard.Load(ctx)
}
