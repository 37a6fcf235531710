package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// The GitHub installation commands: which GitHub App installations an
// organization's applications may build and deploy from.

func (s *session) installationsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "installations ORG",
		Short:   "List, link and unlink an organization's GitHub App installations",
		GroupID: "org",
		Args:    exactArgs("ORG"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, err := s.api()
			if err != nil {
				return err
			}
			r, err := check(a.ListGithubInstallationsWithResponse(s.ctx, args[0], nil))
			if err != nil {
				return err
			}
			list, err := shown(cmd.OutOrStdout(), asJSON, r.Body, r.JSON200, "installation list")
			if err != nil || list == nil {
				return err
			}
			t := newTable(cmd.OutOrStdout(), "INSTALLATION", "ACCOUNT", "LINKED")
			now := time.Now()
			for _, in := range list.Items {
				t.row(strconv.FormatInt(int64(in.InstallationId), 10), orDash(in.Account), since(in.Created, now))
			}
			return t.flush()
		}),
	}
	jsonFlag(c, &asJSON)
	c.AddCommand(s.installationLinkCmd(), s.installationUnlinkCmd())
	return c
}

// parseInstallation reads an installation id (a positive integer).
func parseInstallation(s string) (apiclient.GithubAppInstallationId, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, usagef("INSTALLATION_ID %q: want a positive number (the end of the installation's settings URL)", s)
	}
	return apiclient.GithubAppInstallationId(n), nil
}

// installationArgs are the client and the installation id of a command
// taking ORG INSTALLATION_ID; the id is checked before the profile is read.
func (s *session) installationArgs(args []string) (*api, apiclient.GithubAppInstallationId, error) {
	id, err := parseInstallation(args[1])
	if err != nil {
		return nil, 0, err
	}
	a, err := s.api()
	return a, id, err
}

func (s *session) installationLinkCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "link ORG INSTALLATION_ID",
		Short: "Link an installation to the organization (platform token)",
		Args:  exactArgs("ORG", "INSTALLATION_ID"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, id, err := s.installationArgs(args)
			if err != nil {
				return err
			}
			r, err := check(a.LinkGithubInstallationWithResponse(s.ctx, args[0], id, nil))
			if err != nil {
				return err
			}
			in, err := shown(cmd.OutOrStdout(), asJSON, r.Body, r.JSON200, "installation")
			if err != nil || in == nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Linked installation %d (account %s) to %s\n", in.InstallationId, orDash(in.Account), args[0])
			return nil
		}),
	}
	jsonFlag(c, &asJSON)
	return c
}

func (s *session) installationUnlinkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unlink ORG INSTALLATION_ID",
		Short: "Unlink an installation (platform token)",
		Args:  exactArgs("ORG", "INSTALLATION_ID"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, id, err := s.installationArgs(args)
			if err != nil {
				return err
			}
			if _, err := check(a.UnlinkGithubInstallationWithResponse(s.ctx, args[0], id, nil)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Unlinked installation %d from %s\n", id, args[0])
			return nil
		}),
	}
}
