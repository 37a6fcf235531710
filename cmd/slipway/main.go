// Command slipway is Slipway's command line: the client commands of
// internal/cli (login, apps, deploy, …) and the local system (`slipway
// dev`, `slipway seed`, `slipway bootstrap`). This file only wires them:
// each local command lives in its own file as a run<Command>(args)
// function.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/slipway-paas/slipway/internal/cli"
)

// version is the CLI's version, set at link time (-ldflags "-X main.version=…").
var version = "dev"

// local are the commands of the local system, each a run<Command>(args)
// function parsing its own flags.
var local = []cli.Local{
	{Name: "dev", Short: "Run the whole system locally (embedded DynamoDB, no AWS account, no Docker)", Run: flagCommand(runDev)},
	{Name: "seed", Short: "Create the table and the events/ fixtures' world at a DynamoDB endpoint on this machine (--pipeline: and their running pipeline)", Run: flagCommand(runSeed)},
	{Name: "bootstrap", Short: "Write the first platform token into a deployed stack's table (--rotate replaces existing ones)", Run: flagCommand(runBootstrap)},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Options{
		Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Version: buildVersion(), Local: local,
	})
	stop()
	os.Exit(code)
}

// flagCommand adapts a run function to the CLI (see localError).
func flagCommand(run func(args []string) error) func(args []string) error {
	return func(args []string) error { return localError(run(args)) }
}

// localError is a local command's error as the CLI reports it: --help
// (flag.ErrHelp) is a success, a usageError a *cli.UsageError (exit 2; not
// printed again when the flag package has printed it).
func localError(err error) error {
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil
	case errors.As(err, &usage):
		return &cli.UsageError{Msg: usage.msg, Printed: usage.printed}
	}
	return err
}

// exitCode is the exit status slipway ends with when the local command
// (named for the reader of a test) fails with err.
func exitCode(_ string, err error) int { return cli.ExitCode(localError(err)) }

// usageError is a command line the command cannot run (an argument it
// does not know); printed is true when the flag package has said so
// already.
type usageError struct {
	msg     string
	printed bool
}

func (e usageError) Error() string { return e.msg }

// parseFlags parses args with fs and refuses positional arguments, which
// no command takes. A flag error has been printed by fs already.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{msg: err.Error(), printed: true}
	}
	if fs.NArg() > 0 {
		return usageError{msg: fmt.Sprintf("unexpected argument %q (see --help)", fs.Arg(0))}
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
