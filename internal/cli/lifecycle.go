package cli

import (
	"bufio"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// The application lifecycle's commands: tokens list, apps delete, the
// releases and images lists, and applications by id.

// tokensList is `tokens ORG`: the organization's tokens, never a secret.
func (s *session) tokensList(cmd *cobra.Command, org string, page pageFlags, asJSON bool) error {
	a, err := s.api()
	if err != nil {
		return err
	}
	limit, cursor := page.params()
	r, err := check(a.ListTokensWithResponse(s.ctx, org, &apiclient.ListTokensParams{Limit: limit, Cursor: cursor}))
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(cmd.OutOrStdout(), r.Body)
	}
	p, err := decoded(r.JSON200, "token list")
	if err != nil {
		return err
	}
	t := newTable(cmd.OutOrStdout(), "ID", "NAME", "ROLE", "CREATED", "LAST USED")
	now := time.Now()
	for _, tok := range p.Items {
		used := "never"
		if tok.LastUsed != nil {
			used = since(*tok.LastUsed, now)
		}
		t.row(tok.Id.String(), tok.Name, string(tok.Role), since(tok.Created, now), used)
	}
	moreHint(cmd.ErrOrStderr(), p.Pagination.NextCursor)
	return t.flush()
}

func (s *session) appsDeleteCmd() *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete ORG/PROJECT/APP [--yes]",
		Short: "Delete an application and, in the background, everything it runs and records",
		Args:  exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			if !yes {
				if !isTerminal(s.opts.Stdin) {
					return usagef("deleting %s: pass --yes to confirm (standard input is not a terminal)", ap.ref)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Delete %s and all its releases, deployments and config? Type its name (%s) to confirm: ", ap.ref, ap.obj.Slug)
				line, _ := bufio.NewReader(s.opts.Stdin).ReadString('\n')
				if strings.TrimSpace(line) != ap.obj.Slug {
					return &FailedError{Msg: "not deleted: the name did not match"}
				}
			}
			if _, err := check(a.DeleteApplicationWithResponse(s.ctx, ap.id, nil)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s (its cluster objects and records are removed in the background)\n", ap.ref)
			return nil
		}),
	}
	c.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	return c
}

func (s *session) releasesCmd() *cobra.Command {
	var asJSON bool
	var page pageFlags
	c := &cobra.Command{
		Use:     "releases ORG/PROJECT/APP",
		Short:   "List an application's releases, newest first",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			limit, cursor := page.params()
			r, err := check(a.ListReleasesWithResponse(s.ctx, ap.id, &apiclient.ListReleasesParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), r.Body)
			}
			p, err := decoded(r.JSON200, "release list")
			if err != nil {
				return err
			}
			t := newTable(cmd.OutOrStdout(), "RELEASE", "IMAGE", "STATUS", "CREATED", "ERROR")
			now := time.Now()
			for _, rel := range p.Items {
				t.row(fmt.Sprintf("v%d", rel.Version), fmt.Sprintf("v%d", rel.ImageVersion), string(rel.Status), since(rel.Created, now), orDash(rel.ErrorDetail))
			}
			moreHint(cmd.ErrOrStderr(), p.Pagination.NextCursor)
			return t.flush()
		}),
	}
	jsonFlag(c, &asJSON)
	page.add(c)
	return c
}

func (s *session) imagesCmd() *cobra.Command {
	var asJSON bool
	var page pageFlags
	c := &cobra.Command{
		Use:     "images ORG/PROJECT/APP",
		Short:   "List an application's images (builds), newest first",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			limit, cursor := page.params()
			r, err := check(a.ListImagesWithResponse(s.ctx, ap.id, &apiclient.ListImagesParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), r.Body)
			}
			p, err := decoded(r.JSON200, "image list")
			if err != nil {
				return err
			}
			t := newTable(cmd.OutOrStdout(), "IMAGE", "STATUS", "COMMIT", "PROCESSES", "CREATED", "ERROR")
			now := time.Now()
			for _, im := range p.Items {
				commit := orDash(im.CommitSha)
				if len(commit) > 12 {
					commit = commit[:12]
				}
				t.row(fmt.Sprintf("v%d", im.Version), string(im.Status), commit, processNames(im.Processes), since(im.Created, now), orDash(im.ErrorDetail))
			}
			moreHint(cmd.ErrOrStderr(), p.Pagination.NextCursor)
			return t.flush()
		}),
	}
	jsonFlag(c, &asJSON)
	page.add(c)
	return c
}

// processNames is an image's process names, sorted, comma-separated.
func processNames(procs map[string]string) string {
	if len(procs) == 0 {
		return "-"
	}
	names := make([]string, 0, len(procs))
	for n := range procs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}
