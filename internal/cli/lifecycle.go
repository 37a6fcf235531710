package cli

import (
	"bufio"
	"fmt"
	"github.com/google/uuid"
	"sort"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// The application lifecycle's commands: tokens list, apps delete, the
// releases and images lists, and applications by id.

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
	return appPageCmd(s, &cobra.Command{
		Use:     "releases ORG/PROJECT/APP",
		Short:   "List an application's releases, newest first",
		GroupID: "apps",
	}, "release list", []string{"RELEASE", "IMAGE", "CONFIG", "KIND", "STATUS", "CREATED", "ERROR"},
		func(a *api, id uuid.UUID, limit *int, cursor *string) ([]byte, *apiclient.ReleasePage, error) {
			r, err := check(a.ListReleasesWithResponse(s.ctx, id, &apiclient.ListReleasesParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.ReleasePage, now time.Time) *string {
			for _, rel := range p.Items {
				t.row(fmt.Sprintf("v%d", rel.Version), fmt.Sprintf("v%d", rel.ImageVersion), fmt.Sprintf("v%d", rel.ConfigVersion),
					releaseKind(rel), string(rel.Status), since(rel.Created, now), orDash(rel.ErrorDetail))
			}
			return p.Pagination.NextCursor
		})
}

// releaseKind is what made a release: "build", "release", or "rollback
// of v3" (the release it copies).
func releaseKind(rel apiclient.Release) string {
	if rel.RollbackOf != nil {
		return fmt.Sprintf("rollback of v%d", *rel.RollbackOf)
	}
	return string(rel.Kind)
}

func (s *session) imagesCmd() *cobra.Command {
	return appPageCmd(s, &cobra.Command{
		Use:     "images ORG/PROJECT/APP",
		Short:   "List an application's images (builds), newest first",
		GroupID: "apps",
	}, "image list", []string{"IMAGE", "STATUS", "COMMIT", "PROCESSES", "CREATED", "ERROR"},
		func(a *api, id uuid.UUID, limit *int, cursor *string) ([]byte, *apiclient.ImagePage, error) {
			r, err := check(a.ListImagesWithResponse(s.ctx, id, &apiclient.ListImagesParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.ImagePage, now time.Time) *string {
			for _, im := range p.Items {
				commit := orDash(im.CommitSha)
				if len(commit) > 12 {
					commit = commit[:12]
				}
				t.row(fmt.Sprintf("v%d", im.Version), string(im.Status), commit, processNames(im.Processes), since(im.Created, now), orDash(im.ErrorDetail))
			}
			return p.Pagination.NextCursor
		})
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

// appPageCmd completes c into a read command of one page of an
// application's records (see pageCmd), its APP resolved to the id fetch
// is given.
func appPageCmd[P any](s *session, c *cobra.Command, what string, header []string,
	fetch func(a *api, appID uuid.UUID, limit *int, cursor *string) (body []byte, page *P, err error),
	render func(t *table, p *P, now time.Time) (next *string)) *cobra.Command {
	c.Args = exactArgs("ORG/PROJECT/APP")
	return pageCmd(s, c, what, header, func(args []string, limit *int, cursor *string) ([]byte, *P, error) {
		a, ap, err := s.resolveApp(args[0])
		if err != nil {
			return nil, nil, err
		}
		return fetch(a, ap.id, limit, cursor)
	}, render)
}

// orgPageCmd completes c into a read command of one page of a list that
// needs only the client (see pageCmd).
func orgPageCmd[P any](s *session, c *cobra.Command, what string, header []string,
	fetch func(a *api, args []string, limit *int, cursor *string) (body []byte, page *P, err error),
	render func(t *table, p *P, now time.Time) (next *string)) *cobra.Command {
	return pageCmd(s, c, what, header, func(args []string, limit *int, cursor *string) ([]byte, *P, error) {
		a, err := s.api()
		if err != nil {
			return nil, nil, err
		}
		return fetch(a, args, limit, cursor)
	}, render)
}

// pageCmd completes c into a read command of one page of a list: one
// request by fetch (given the arguments and the page), the API's JSON
// unchanged with --json, else a table with header whose rows render
// writes, and a hint on stderr when there is a next page (render returns
// the next cursor). what names the answer in an error when it cannot be
// read.
func pageCmd[P any](s *session, c *cobra.Command, what string, header []string,
	fetch func(args []string, limit *int, cursor *string) (body []byte, page *P, err error),
	render func(t *table, p *P, now time.Time) (next *string)) *cobra.Command {
	var asJSON bool
	var page pageFlags
	c.RunE = s.run(func(cmd *cobra.Command, args []string) error {
		limit, cursor := page.params()
		body, doc, err := fetch(args, limit, cursor)
		if err != nil {
			return err
		}
		p, err := shown(cmd.OutOrStdout(), asJSON, body, doc, what)
		if err != nil || p == nil {
			return err
		}
		t := newTable(cmd.OutOrStdout(), header...)
		moreHint(cmd.ErrOrStderr(), render(t, p, time.Now()))
		return t.flush()
	})
	jsonFlag(c, &asJSON)
	page.add(c)
	return c
}

// showApp is the document a read command of one application shows: APP
// (ORG/PROJECT/APP or an id) resolved, one request by fetch, and with
// asJSON the API's body written unchanged and a nil document (see shown).
func showApp[T any](s *session, cmd *cobra.Command, ref string, asJSON bool, what string,
	fetch func(a *api, appID uuid.UUID) (body []byte, doc *T, err error)) (*app, *T, error) {
	a, ap, err := s.resolveApp(ref)
	if err != nil {
		return nil, nil, err
	}
	body, doc, err := fetch(a, ap.id)
	if err != nil {
		return nil, nil, err
	}
	doc, err = shown(cmd.OutOrStdout(), asJSON, body, doc, what)
	return ap, doc, err
}
