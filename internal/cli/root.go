package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Options is what Run needs from the process.
type Options struct {
	// Args are the command-line arguments after the program name.
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv).
	Getenv func(string) string
	// Version is shown by --version and sent as the User-Agent.
	Version string
	// Local are the commands of the local system (dev, seed, …), which parse
	// their own flags.
	Local []Local
}

// Local is a command that parses its own arguments (the flag package): its
// cobra command passes every argument through unparsed.
type Local struct {
	Name  string
	Short string
	// Run runs the command; a *UsageError exits 2.
	Run func(args []string) error
}

// session is what every command reads: the streams, the profile and the
// API client, made on first use.
type session struct {
	opts    Options
	ctx     context.Context
	profile string
	client  *api
	// reached is set once a command's RunE starts: an error before that is
	// a usage error (unknown command or flag, wrong arguments).
	reached bool
}

// api returns the client of the selected profile.
func (s *session) api() (*api, error) {
	if s.client != nil {
		return s.client, nil
	}
	prof, err := resolveProfile(s.opts.Getenv, s.profile)
	if err != nil {
		return nil, err
	}
	s.client, err = newAPI(prof, s.opts.Version)
	return s.client, err
}

// run wraps a command body: it marks the command line as accepted.
func (s *session) run(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s.reached = true
		return f(cmd, args)
	}
}

// Run runs the slipway command line and returns the exit status; failures
// are printed to Stderr as one line ("error: …"), a crash too (exit 1).
func Run(ctx context.Context, opts Options) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(opts.Stderr, "error: slipway crashed: %v (please report it)\n", r)
			code = ExitFailed
		}
	}()
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	s := &session{opts: opts, ctx: ctx}
	root := s.root()
	root.SetArgs(opts.Args)
	root.SetIn(opts.Stdin)
	root.SetOut(opts.Stdout)
	root.SetErr(opts.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var usage *UsageError
	if !s.reached && !errors.As(err, &usage) {
		err = &UsageError{Msg: err.Error()}
	}
	msg := oneLine(err.Error())
	if errors.As(err, &usage) {
		if usage.Printed {
			return ExitUsage
		}
		if !strings.Contains(msg, "--help") {
			msg += " (see `slipway --help`)"
		}
	}
	fmt.Fprintln(opts.Stderr, "error: "+msg)
	return ExitCode(err)
}

func (s *session) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "slipway",
		Short: "Slipway: Heroku-style applications on your own Kubernetes",
		Long: strings.TrimSpace(`
slipway manages Slipway applications from a terminal. An application is
named ORG/PROJECT/APP. Log in once (slipway login --url URL --token TOKEN);
SLIPWAY_URL and SLIPWAY_TOKEN override the stored profile.

Exit codes: 0 ok, 1 the operation failed (refused by the API, or a pipeline
failed or was canceled), 2 usage error, 3 not found or not allowed (401,
403, 404), 4 the API could not be reached, 130 interrupted.`),
		Version:       s.opts.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Msg: err.Error()} })
	def := s.opts.Getenv(EnvProfile)
	if def == "" {
		def = DefaultProfile
	}
	root.PersistentFlags().StringVar(&s.profile, "profile", def, "the stored profile to use ("+EnvProfile+")")
	root.AddGroup(&cobra.Group{ID: "apps", Title: "Applications:"},
		&cobra.Group{ID: "org", Title: "Organizations and access:"},
		&cobra.Group{ID: "local", Title: "The local system:"})
	for _, c := range s.commands() {
		root.AddCommand(c)
	}
	for _, l := range s.opts.Local {
		root.AddCommand(s.local(l))
	}
	return root
}

// local is the cobra command of a Local: its arguments, flags included,
// reach Run untouched.
func (s *session) local(l Local) *cobra.Command {
	return &cobra.Command{
		Use: l.Name + " [flags]", Short: l.Short, GroupID: "local",
		DisableFlagParsing: true,
		RunE: s.run(func(_ *cobra.Command, args []string) error {
			if err := l.Run(args); err != nil {
				var usage *UsageError
				if errors.As(err, &usage) {
					return err
				}
				return &FailedError{Msg: l.Name + ": " + err.Error()}
			}
			return nil
		}),
	}
}

// commands are the client commands, in help order within their groups.
func (s *session) commands() []*cobra.Command {
	return []*cobra.Command{
		s.loginCmd(), s.orgsCmd(), s.projectsCmd(), s.tokensCmd(), s.installationsCmd(),
		s.appsCmd(), s.settingsCmd(), s.scaleCmd(), s.configCmd(), s.deployCmd(), s.releaseCmd(), s.rollbackCmd(), s.cancelCmd(), s.statusCmd(),
		s.deploymentsCmd(), s.releasesCmd(), s.imagesCmd(), s.metricsCmd(), s.observeCmd(),
		s.logsCmd(),
		s.domainsCmd(),
	}
}

// exactArgs is cobra.ExactArgs with the names of the arguments in the error.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			if err := mistypedSubcommand(cmd, args); err != nil {
				return err
			}
			return usagef("want %d argument(s): %s", len(names), strings.Join(names, " "))
		}
		return nil
	}
}

// minArgs wants at least the named arguments.
func minArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			if err := mistypedSubcommand(cmd, args); err != nil {
				return err
			}
			return usagef("want at least %d argument(s): %s", len(names), strings.Join(names, " "))
		}
		return nil
	}
}
