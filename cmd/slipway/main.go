// Command slipway runs the local system (`slipway dev`), fills a DynamoDB
// endpoint with the events/ fixtures' world (`slipway seed`) and writes
// the first platform token into a deployed table (`slipway bootstrap`).
// This file only dispatches: each command lives in its own file as a
// run<Command>(args) function.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

const usage = `usage: slipway <command> [flags]

commands:
  dev    run the whole system locally (embedded DynamoDB, no AWS account, no Docker)
  seed   create the table and the world the events/ fixtures expect, at a DynamoDB
         endpoint (for sam local with DynamoDB Local); --pipeline also records the
         in-progress pipeline the events/pipeline step fixtures act on; refuses an
         endpoint that is not on this machine unless --force
  bootstrap  write the first platform token into a deployed stack's table (AWS
         credentials as the AWS CLI finds them); --rotate replaces existing ones

Run 'slipway <command> --help' for a command's flags.
`

// commands maps each command name to its run function.
var commands = map[string]func(args []string) error{
	"dev":       runDev,
	"seed":      runSeed,
	"bootstrap": runBootstrap,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	name := os.Args[1]
	switch name {
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	}
	run, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "slipway: unknown command %q\n\n%s", name, usage)
		os.Exit(2)
	}
	os.Exit(exitCode(name, run(os.Args[2:])))
}

// exitCode reports err and maps it to the process's exit status: 0 for
// success and for --help (flag.ErrHelp), 2 for a usage error (the flag
// package has printed it), 1 otherwise.
func exitCode(name string, err error) int {
	var usageErr usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usageErr):
		if !usageErr.printed {
			fmt.Fprintf(os.Stderr, "slipway %s: %v\n", name, err)
		}
		return 2
	default:
		fmt.Fprintf(os.Stderr, "slipway %s: %v\n", name, err)
		return 1
	}
}

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
