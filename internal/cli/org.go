package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// pageFlags are --limit and --cursor of a paginated list.
type pageFlags struct {
	limit  int
	cursor string
}

func (p *pageFlags) add(c *cobra.Command) {
	c.Flags().IntVar(&p.limit, "limit", 20, "items per page (1-100)")
	c.Flags().StringVar(&p.cursor, "cursor", "", "the page after this cursor (from a previous page)")
}

// params are the page's limit and cursor as the generated client takes them.
func (p *pageFlags) params() (*int, *string) {
	var cursor *string
	if p.cursor != "" {
		cursor = &p.cursor
	}
	return &p.limit, cursor
}

func (s *session) loginCmd() *cobra.Command {
	var url, token string
	c := &cobra.Command{
		Use:   "login [--url URL] [--token TOKEN]",
		Short: "Store the API URL and a token as a profile (checked first)",
		Long: `Store the API URL and a token as a profile in $XDG_CONFIG_HOME/slipway/config.json
(or ~/.config/slipway/config.json), readable by you only. Without --token the
token is read from standard input (without echo on a terminal). The token is
checked against the API before it is stored.`,
		GroupID: "org",
		Args:    exactArgs(),
		RunE: s.run(func(cmd *cobra.Command, _ []string) error {
			ps, err := openProfiles(s.opts.Getenv)
			if err != nil {
				return err
			}
			f, err := ps.load()
			if err != nil {
				return err
			}
			prof := f.Profiles[s.profile]
			if url != "" {
				prof.URL = url
			} else if u := s.opts.Getenv(EnvURL); u != "" {
				prof.URL = u
			}
			if prof.URL == "" {
				return usagef("--url is required for a new profile")
			}
			if token == "" {
				token = s.opts.Getenv(EnvToken)
			}
			if token == "" {
				if token, err = s.readToken(); err != nil {
					return err
				}
			}
			prof.Token = token
			client, err := newAPI(prof, s.opts.Version)
			if err != nil {
				return err
			}
			one := 1
			if _, err := check(client.ListOrganizationsWithResponse(s.ctx, &apiclient.ListOrganizationsParams{Limit: &one})); err != nil {
				return err
			}
			if err := ps.save(s.profile, prof); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s (profile %q, stored in %s)\n", prof.URL, s.profile, ps.path)
			return nil
		}),
	}
	c.Flags().StringVar(&url, "url", "", "the API's base URL, e.g. http://127.0.0.1:8080 ("+EnvURL+")")
	c.Flags().StringVar(&token, "token", "", "the token (default: read from standard input; "+EnvToken+")")
	return c
}

// readToken reads a token from stdin, without echo on a terminal.
func (s *session) readToken() (string, error) {
	if isTerminal(s.opts.Stdin) {
		fmt.Fprint(s.opts.Stderr, "Token: ")
	}
	token, err := s.readLine()
	if err != nil || token == "" {
		return "", usagef("no token: pass --token or write it to standard input")
	}
	return token, nil
}

// readLine reads one line from stdin, trimmed; on a terminal without echo.
func (s *session) readLine() (string, error) {
	if f, ok := s.opts.Stdin.(*os.File); ok && isTerminal(f) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.opts.Stderr)
		return strings.TrimSpace(string(b)), err
	}
	line, err := bufio.NewReader(s.opts.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func (s *session) orgsCmd() *cobra.Command {
	c := orgPageCmd(s, &cobra.Command{
		Use:     "orgs",
		Short:   "List the organizations the token can see",
		GroupID: "org",
		Args:    exactArgs(),
	}, "organization list", []string{"SLUG", "NAME", "CREATED"},
		func(a *api, _ []string, limit *int, cursor *string) ([]byte, *apiclient.OrganizationPage, error) {
			r, err := check(a.ListOrganizationsWithResponse(s.ctx, &apiclient.ListOrganizationsParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.OrganizationPage, now time.Time) *string {
			for _, o := range p.Items {
				t.row(o.Slug, o.Name, since(o.Created, now))
			}
			return p.Pagination.NextCursor
		})
	c.AddCommand(s.orgsCreateCmd())
	return c
}

func (s *session) orgsCreateCmd() *cobra.Command {
	var name string
	var asJSON bool
	c := &cobra.Command{
		Use:   "create ORG [--name NAME]",
		Short: "Create an organization (platform token)",
		Args:  exactArgs("ORG"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, err := s.api()
			if err != nil {
				return err
			}
			if name == "" {
				name = args[0]
			}
			r, err := check(a.CreateOrganizationWithResponse(s.ctx, nil, apiclient.OrganizationCreate{Name: name, Slug: args[0]}))
			if err != nil {
				return err
			}
			return reported(cmd.OutOrStdout(), asJSON, r.Body, "Created organization %s", args[0])
		}),
	}
	c.Flags().StringVar(&name, "name", "", "display name (default: the slug)")
	jsonFlag(c, &asJSON)
	return c
}

func (s *session) projectsCmd() *cobra.Command {
	c := orgPageCmd(s, &cobra.Command{
		Use:     "projects ORG",
		Short:   "List an organization's projects",
		GroupID: "org",
		Args:    exactArgs("ORG"),
	}, "project list", []string{"PROJECT", "NAME", "ID", "CREATED"},
		func(a *api, args []string, limit *int, cursor *string) ([]byte, *apiclient.ProjectPage, error) {
			r, err := check(a.ListProjectsWithResponse(s.ctx, args[0], &apiclient.ListProjectsParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.ProjectPage, now time.Time) *string {
			for _, pr := range p.Items {
				t.row(pr.OrganizationSlug+"/"+pr.Slug, pr.Name, pr.Id.String(), since(pr.Created, now))
			}
			return p.Pagination.NextCursor
		})
	c.AddCommand(s.projectsCreateCmd())
	return c
}

func (s *session) projectsCreateCmd() *cobra.Command {
	var name string
	var asJSON bool
	c := &cobra.Command{
		Use:   "create ORG/PROJECT [--name NAME]",
		Short: "Create a project (organization admin)",
		Args:  exactArgs("ORG/PROJECT"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0], 2)
			if err != nil {
				return err
			}
			a, err := s.api()
			if err != nil {
				return err
			}
			if name == "" {
				name = ref[1]
			}
			r, err := check(a.CreateProjectWithResponse(s.ctx, ref[0], nil, apiclient.ProjectCreate{Name: name, Slug: ref[1]}))
			if err != nil {
				return err
			}
			return reported(cmd.OutOrStdout(), asJSON, r.Body, "Created project %s", args[0])
		}),
	}
	c.Flags().StringVar(&name, "name", "", "display name (default: the slug)")
	jsonFlag(c, &asJSON)
	return c
}

// tokensCmd is `tokens ORG`: the organization's tokens, never a secret.
func (s *session) tokensCmd() *cobra.Command {
	c := orgPageCmd(s, &cobra.Command{
		Use:     "tokens ORG",
		Short:   "List, create and revoke an organization's tokens (admin)",
		GroupID: "org",
		Args:    exactArgs("ORG"),
	}, "token list", []string{"ID", "NAME", "ROLE", "CREATED", "LAST USED"},
		func(a *api, args []string, limit *int, cursor *string) ([]byte, *apiclient.TokenPage, error) {
			r, err := check(a.ListTokensWithResponse(s.ctx, args[0], &apiclient.ListTokensParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.TokenPage, now time.Time) *string {
			for _, tok := range p.Items {
				used := "never"
				if tok.LastUsed != nil {
					used = since(*tok.LastUsed, now)
				}
				t.row(tok.Id.String(), tok.Name, string(tok.Role), since(tok.Created, now), used)
			}
			return p.Pagination.NextCursor
		})
	c.AddCommand(s.tokensCreateCmd(), s.tokensRevokeCmd())
	return c
}

func (s *session) tokensCreateCmd() *cobra.Command {
	var role string
	var asJSON bool
	c := &cobra.Command{
		Use:   "create ORG NAME [--role member|admin]",
		Short: "Create a token; its secret is shown only once",
		Args:  exactArgs("ORG", "NAME"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			if !apiclient.TokenRole(role).Valid() {
				return usagef("--role: want member or admin, not %q", role)
			}
			a, err := s.api()
			if err != nil {
				return err
			}
			r, err := check(a.CreateTokenWithResponse(s.ctx, args[0], nil, apiclient.TokenCreate{Name: args[1], Role: apiclient.TokenRole(role)}))
			if err != nil {
				return err
			}
			t, err := shown(cmd.OutOrStdout(), asJSON, r.Body, r.JSON201, "token")
			if err != nil || t == nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created %s token %q (id %s); it is shown only now:\n", t.Role, t.Name, t.Id)
			fmt.Fprintln(cmd.OutOrStdout(), t.Token)
			return nil
		}),
	}
	c.Flags().StringVar(&role, "role", "member", "member (read) or admin (also change and deploy)")
	jsonFlag(c, &asJSON)
	return c
}

func (s *session) tokensRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ORG TOKEN_ID",
		Short: "Revoke a token; it stops working at once",
		Args:  exactArgs("ORG", "TOKEN_ID"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[1], "TOKEN_ID")
			if err != nil {
				return err
			}
			a, err := s.api()
			if err != nil {
				return err
			}
			if _, err := check(a.RevokeTokenWithResponse(s.ctx, args[0], id, nil)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked token %s\n", id)
			return nil
		}),
	}
}
