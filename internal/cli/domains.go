package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// The custom domain commands: list an application's domains with the DNS
// records to create, add one, remove one.

func (s *session) domainsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "domains ORG/PROJECT/APP",
		Short:   "List, add and remove an application's custom domains",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			ap, list, err := showApp(s, cmd, args[0], asJSON, "domain list", func(a *api, id uuid.UUID) ([]byte, *apiclient.DomainList, error) {
				r, err := check(a.ListDomainsWithResponse(s.ctx, id, nil))
				if err != nil {
					return nil, nil, err
				}
				return r.Body, r.JSON200, nil
			})
			if err != nil || list == nil {
				return err
			}
			if len(list.Items) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s has no custom domains (web URL: %s)\n", ap.ref, orDash(ap.obj.WebUrl))
				return nil
			}
			t := newTable(cmd.OutOrStdout(), "HOSTNAME", "STATUS", "DNS RECORD", "ADDED", "DETAIL")
			now := time.Now()
			for _, d := range list.Items {
				t.row(d.Hostname, string(d.Status), dnsRecords(d.DnsRecords), since(d.Created, now), orDash(d.Detail))
			}
			return t.flush()
		}),
	}
	jsonFlag(c, &asJSON)
	c.AddCommand(s.domainsAddCmd(), s.domainsRemoveCmd())
	return c
}

// dnsRecords prints records as "CNAME www.example.com → lb.example.net".
func dnsRecords(rs []apiclient.DNSRecord) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += "; "
		}
		out += fmt.Sprintf("%s %s → %s", r.Type, r.Name, r.Value)
	}
	if out == "" {
		return "-"
	}
	return out
}

func (s *session) domainsAddCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "add ORG/PROJECT/APP HOSTNAME",
		Short: "Add a custom domain (routed to the web process, with TLS) and show the DNS record to create",
		Args:  exactArgs("ORG/PROJECT/APP", "HOSTNAME"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			r, err := check(a.AddDomainWithResponse(s.ctx, ap.id, nil, apiclient.DomainCreate{Hostname: args[1]}))
			if err != nil {
				return err
			}
			d, err := shown(cmd.OutOrStdout(), asJSON, r.Body, r.JSON201, "domain")
			if err != nil || d == nil {
				return err
			}
			writeAddedDomain(cmd.OutOrStdout(), ap.ref, d)
			return nil
		}),
	}
	jsonFlag(c, &asJSON)
	return c
}

// writeAddedDomain tells the user what to do next.
func writeAddedDomain(w io.Writer, ref string, d *apiclient.Domain) {
	fmt.Fprintf(w, "Added %s to %s (%s)\n", d.Hostname, ref, d.Status)
	if len(d.DnsRecords) > 0 {
		fmt.Fprintln(w, "Create this DNS record; the domain becomes active once its certificate is issued:")
		for _, r := range d.DnsRecords {
			fmt.Fprintf(w, "  %s %s → %s\n", r.Type, r.Name, r.Value)
		}
	}
}

func (s *session) domainsRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove ORG/PROJECT/APP HOSTNAME",
		Short: "Remove a custom domain (the ingress stops routing it at once)",
		Args:  exactArgs("ORG/PROJECT/APP", "HOSTNAME"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			if _, err := check(a.RemoveDomainWithResponse(s.ctx, ap.id, args[1], nil)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed %s from %s\n", args[1], ap.ref)
			return nil
		}),
	}
}
