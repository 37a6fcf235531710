package cli

import (
	"fmt"
	"github.com/google/uuid"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// The config commands: an application's config vars and secrets. A
// secret's value is never printed: the API never returns it, and set
// echoes names only.

// configNameRE is the API's rule for var names.
var configNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (s *session) configCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "config ORG/PROJECT/APP",
		Short:   "Show, set and unset config vars and secrets (secret values are never shown)",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			ap, cfg, err := showApp(s, cmd, args[0], asJSON, "config", func(a *api, id uuid.UUID) ([]byte, *apiclient.Config, error) {
				r, err := check(a.GetConfigWithResponse(s.ctx, id, nil))
				if err != nil {
					return nil, nil, err
				}
				return r.Body, r.JSON200, nil
			})
			if err != nil || cfg == nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: config v%d\n", ap.ref, cfg.Version)
			names := make([]string, 0, len(cfg.Vars))
			for n := range cfg.Vars {
				names = append(names, n)
			}
			sort.Strings(names)
			t := newTable(cmd.OutOrStdout(), "NAME", "VALUE", "SCOPE", "FINGERPRINT", "UPDATED", "BY")
			now := time.Now()
			for _, n := range names {
				v := cfg.Vars[n]
				value := orDash(v.Value)
				if v.Secret {
					value = "(secret)"
				}
				t.row(n, value, string(v.Scope), v.Fingerprint, since(v.Updated, now), v.UpdatedBy)
			}
			return t.flush()
		}),
	}
	jsonFlag(c, &asJSON)
	c.AddCommand(s.configSetCmd(), s.configUnsetCmd(), s.configVersionsCmd())
	return c
}

func (s *session) configSetCmd() *cobra.Command {
	var secret bool
	var scope string
	c := &cobra.Command{
		Use:   "set ORG/PROJECT/APP [--secret] [--scope runtime|build|both] NAME=VALUE...",
		Short: "Set config vars; with --secret, a bare NAME reads its value from standard input",
		Long: `Set config vars of an application: a new config version, used by the next
release (slipway deploy). --secret makes them write-only secrets; a bare NAME
(without =VALUE) then reads its value from standard input (without echo on a
terminal), so the value stays out of the shell's history. --scope says where
they are delivered: runtime, build or both; without it a new var is runtime
and an existing one keeps its scope. A secret stays one: a plain value for it
is refused (pass --secret). The change is conditioned on the config read
first, so a concurrent change is refused (412), never overwritten.`,
		Args: minArgs("ORG/PROJECT/APP", "NAME=VALUE"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			if scope != "" && !apiclient.ConfigScope(scope).Valid() {
				return usagef("--scope: want runtime, build or both, not %q", scope)
			}
			type setVar struct{ name, value string }
			var sets []setVar
			names := make([]string, 0, len(args)-1)
			for _, arg := range args[1:] {
				name, value, hasValue := strings.Cut(arg, "=")
				if !configNameRE.MatchString(name) {
					return usagef("%q: want NAME=VALUE with NAME of letters, digits and _", redactArg(arg))
				}
				if !hasValue {
					if !secret {
						return usagef("%q: want NAME=VALUE (a bare NAME reads a --secret from standard input)", name)
					}
					v, err := s.readSecret(name)
					if err != nil {
						return err
					}
					value = v
				}
				sets = append(sets, setVar{name, value})
				names = append(names, name)
			}
			a, ap, cur, err := s.currentConfig(args[0])
			if err != nil {
				return err
			}
			vars := map[string]*apiclient.ConfigPatch_Vars_AdditionalProperties{}
			for _, v := range sets {
				old, exists := cur.Vars[v.name]
				if exists && old.Secret && !secret {
					return usagef("%s is a secret of %s: pass --secret to change it (the value stays hidden), or unset it first to make it a plain var", v.name, ap.ref)
				}
				// Without --scope a var keeps the scope it has.
				sc := apiclient.ConfigScope(scope)
				if scope == "" && exists {
					sc = old.Scope
				}
				item := &apiclient.ConfigPatch_Vars_AdditionalProperties{}
				var err error
				if secret || (sc != "" && sc != apiclient.ConfigScopeRuntime) {
					in := apiclient.ConfigVarInput{Value: v.value, Secret: &secret}
					if sc != "" {
						in.Scope = &sc
					}
					err = item.FromConfigVarInput(in)
				} else {
					err = item.FromConfigPatchVars0(v.value)
				}
				if err != nil {
					return err
				}
				vars[v.name] = item
			}
			return s.patchConfig(cmd, a, ap, cur.Version, vars, "Set "+strings.Join(names, ", "))
		}),
	}
	c.Flags().BoolVar(&secret, "secret", false, "write-only: the value is never shown again")
	c.Flags().StringVar(&scope, "scope", "", "runtime, build or both (default: runtime, or the var's current scope)")
	return c
}

// redactArg is NAME=VALUE without its value (for error messages).
func redactArg(arg string) string {
	if name, _, ok := strings.Cut(arg, "="); ok {
		return name + "=…"
	}
	return arg
}

// readSecret reads one value from standard input, without echo on a
// terminal.
func (s *session) readSecret(name string) (string, error) {
	if isTerminal(s.opts.Stdin) {
		fmt.Fprintf(s.opts.Stderr, "%s: ", name)
	}
	v, err := s.readLine()
	if err != nil || v == "" {
		return "", usagef("no value for %s on standard input", name)
	}
	return v, nil
}

func (s *session) configUnsetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unset ORG/PROJECT/APP NAME...",
		Short: "Remove config vars",
		Args:  minArgs("ORG/PROJECT/APP", "NAME"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			vars := map[string]*apiclient.ConfigPatch_Vars_AdditionalProperties{}
			for _, name := range args[1:] {
				if !configNameRE.MatchString(name) {
					return usagef("%q is not a config var name", name)
				}
				vars[name] = nil // null removes the var
			}
			a, ap, cur, err := s.currentConfig(args[0])
			if err != nil {
				return err
			}
			return s.patchConfig(cmd, a, ap, cur.Version, vars, "Unset "+strings.Join(args[1:], ", "))
		}),
	}
}

// currentConfig resolves the application and reads its config, which a
// change is checked against and conditioned on.
func (s *session) currentConfig(ref string) (*api, *app, *apiclient.Config, error) {
	a, ap, err := s.resolveApp(ref)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := check(a.GetConfigWithResponse(s.ctx, ap.id, nil))
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := decoded(r.JSON200, "config")
	if err != nil {
		return nil, nil, nil, err
	}
	return a, ap, cfg, nil
}

// patchConfig sends one merge patch, conditioned on config version
// before (the one its checks read: a change in between is a 412), and
// says what it did, naming vars only.
func (s *session) patchConfig(cmd *cobra.Command, a *api, ap *app, before int, vars map[string]*apiclient.ConfigPatch_Vars_AdditionalProperties, did string) error {
	etag := fmt.Sprintf(`"c%d"`, before)
	r, err := check(a.PatchConfigWithResponse(s.ctx, ap.id, &apiclient.PatchConfigParams{IfMatch: &etag}, apiclient.ConfigPatch{Vars: &vars}))
	if err != nil {
		return err
	}
	cfg, err := decoded(r.JSON200, "config")
	if err != nil {
		return err
	}
	if cfg.Version == before {
		fmt.Fprintf(cmd.OutOrStdout(), "%s: nothing to change on %s (config v%d)\n", did, ap.ref, cfg.Version)
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s on %s: config v%d (used by the next release: slipway deploy %s)\n", did, ap.ref, cfg.Version, ap.ref)
	return nil
}

func (s *session) configVersionsCmd() *cobra.Command {
	return appPageCmd(s, &cobra.Command{
		Use:   "versions ORG/PROJECT/APP",
		Short: "The config's history, newest first: who changed which names",
	}, "config versions", []string{"VERSION", "BY", "CREATED", "ADDED", "CHANGED", "REMOVED"},
		func(a *api, id uuid.UUID, limit *int, cursor *string) ([]byte, *apiclient.ConfigVersionPage, error) {
			r, err := check(a.ListConfigVersionsWithResponse(s.ctx, id, &apiclient.ListConfigVersionsParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.ConfigVersionPage, now time.Time) *string {
			for _, v := range p.Items {
				t.row(fmt.Sprintf("v%d", v.Version), v.CreatedBy, since(v.Created, now),
					joinOrDash(v.Changes.Added), joinOrDash(v.Changes.Changed), joinOrDash(v.Changes.Removed))
			}
			return p.Pagination.NextCursor
		})
}

func joinOrDash(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ",")
}
