package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DefaultAppsDomain is the apps domain of the local system: *.localhost
// names resolve to the loopback interface only (RFC 6761), so a default
// URL there can never reach anyone else's server.
const DefaultAppsDomain = "apps.localhost"

// MaxDomains bounds the custom domains of one application (they are kept
// on the application item, and each is one host of its Ingress).
const MaxDomains = 20

// maxHostname is the length limit of a DNS name (RFC 1123).
const maxHostname = 253

var hostLabelRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// DomainStatus is where a custom domain is: pending until the cluster
// routes it with a valid certificate, then active; error when it cannot
// become active (Detail says why).
type DomainStatus string

// The domain statuses.
const (
	DomainPending DomainStatus = "pending"
	DomainActive  DomainStatus = "active"
	DomainError   DomainStatus = "error"
)

// DomainPendingLimit is how long a domain may stay pending before it is
// reported as an error (its DNS record was most likely never created, so
// no certificate can be issued).
const DomainPendingLimit = time.Hour

// Domain is a custom hostname of an application, routed to its web
// process with TLS.
type Domain struct {
	Hostname string
	Status   DomainStatus
	Detail   *string `json:",omitempty"`
	// Target is the load balancer hostname (or address) the cluster's
	// ingress reported for the domain; "" until it did.
	Target  string `json:",omitempty"`
	Created time.Time
	Updated time.Time
}

// DNSRecord is one DNS record the user must create for a domain.
type DNSRecord struct {
	Type  string
	Name  string
	Value string
}

// DNSRecords tells the user what to create for the domain: a CNAME to the
// load balancer the ingress reported, or, until it did, to the
// application's default host (the apps domain's wildcard record points it
// at the same load balancer). An address rather than a hostname (a bare
// metal ingress) is an A record.
func (d Domain) DNSRecords(defaultHost string) []DNSRecord {
	target := d.Target
	if target == "" {
		target = defaultHost
	}
	typ := "CNAME"
	if isIPv4(target) {
		typ = "A"
	}
	return []DNSRecord{{Type: typ, Name: d.Hostname, Value: target}}
}

func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// ValidateHostname checks a custom domain: a lower-case RFC 1123 name of at
// least two labels and at most 253 characters, not the apps domain nor a
// name under it (those are the platform's default hosts). The error is a
// validation error naming "hostname".
func ValidateHostname(host, appsDomain string) error {
	bad := func(msg string) error { return Invalid("hostname", msg) }
	switch {
	case host == "":
		return bad("is required")
	case len(host) > maxHostname:
		return bad(fmt.Sprintf("must be at most %d characters", maxHostname))
	case host != strings.ToLower(host):
		return bad("must be lower case")
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return bad("must have at least two labels (e.g. www.example.com)")
	}
	for _, l := range labels {
		if len(l) > 63 || !hostLabelRe.MatchString(l) {
			return bad("each label must be 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'")
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return bad("must be a DNS name, not an address")
	}
	if apps := strings.ToLower(strings.TrimSuffix(appsDomain, ".")); apps != "" && (host == apps || strings.HasSuffix(host, "."+apps)) {
		return bad("must not be under the platform's apps domain " + apps)
	}
	return nil
}

// DefaultHostLabel is the first DNS label of a web process's default host:
// "<app>-<project>-<org>" for "web" ("<process>-<app>-<project>-<org>" for
// other web processes). When a part has a hyphen of its own (the plain
// form would be ambiguous) or the label would pass 63 characters, it is
// the plain form cut short and "--" and 8 hex digits of the SHA-256 of
// the parts: plain forms never hold "--", so no two applications share a
// label, and the same application always gets the same one.
func DefaultHostLabel(process, appSlug, projectSlug, orgSlug string) string {
	parts := []string{appSlug, projectSlug, orgSlug}
	if process != "web" {
		parts = append([]string{strings.ReplaceAll(strings.ToLower(process), "_", "-")}, parts...)
	}
	plain := strings.Join(parts, "-")
	ambiguous := false
	for _, p := range parts {
		ambiguous = ambiguous || strings.Contains(p, "-")
	}
	if !ambiguous && len(plain) <= 63 {
		return plain
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	suffix := "--" + hex.EncodeToString(sum[:4])
	prefix := plain
	if len(prefix) > 63-len(suffix) {
		prefix = prefix[:63-len(suffix)]
	}
	return strings.TrimRight(prefix, "-") + suffix
}

// DefaultHost is a web process's host on the apps domain.
func DefaultHost(process, appSlug, projectSlug, orgSlug, appsDomain string) string {
	return DefaultHostLabel(process, appSlug, projectSlug, orgSlug) + "." + strings.TrimSuffix(appsDomain, ".")
}

// DefaultHost is the host of the application's web process on appsDomain.
func (a *Application) DefaultHost(appsDomain string) string {
	return DefaultHost("web", a.Slug, a.ProjectSlug, a.OrganizationSlug, appsDomain)
}

// WebURL is the https URL of the application's web process once a release
// with a web process is live (serving); "" otherwise.
func (a *Application) WebURL(appsDomain string) string {
	rel := a.ServingRelease
	if rel == nil || appsDomain == "" {
		return ""
	}
	if _, ok := rel.Processes["web"]; !ok {
		return ""
	}
	return "https://" + a.DefaultHost(appsDomain)
}

// Domain returns the application's custom domain named host.
func (a *Application) Domain(host string) (Domain, bool) {
	for _, d := range a.Domains {
		if d.Hostname == host {
			return d, true
		}
	}
	return Domain{}, false
}

// Hostnames are the application's custom domains' hostnames, sorted.
func (a *Application) Hostnames() []string {
	return hostnamesOf(a.Domains)
}

func hostnamesOf(ds []Domain) []string {
	if len(ds) == 0 {
		return nil
	}
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Hostname)
	}
	sort.Strings(out)
	return out
}

// AddDomain adds the custom domain host (validated against appsDomain) as
// pending and marks the routes changed. A host the application has already
// is a conflict, as is one past MaxDomains; one held by another
// application is refused by the store (the hostname guard).
func (a *Application) AddDomain(host, appsDomain string, now time.Time) (Domain, error) {
	if err := ValidateHostname(host, appsDomain); err != nil {
		return Domain{}, err
	}
	if _, ok := a.Domain(host); ok {
		return Domain{}, Errorf(CodeConflict, "the application has the domain %s already", host)
	}
	if len(a.Domains) >= MaxDomains {
		return Domain{}, Errorf(CodeConflict, "an application has at most %d domains", MaxDomains)
	}
	d := Domain{Hostname: host, Status: DomainPending, Created: now, Updated: now}
	a.Domains = append(a.Domains, d)
	sort.Slice(a.Domains, func(i, j int) bool { return a.Domains[i].Hostname < a.Domains[j].Hostname })
	a.RoutesSeq++
	return d, nil
}

// RemoveDomain removes the custom domain host and marks the routes
// changed; not_found when the application does not have it.
func (a *Application) RemoveDomain(host string) error {
	for i, d := range a.Domains {
		if d.Hostname == host {
			a.Domains = append(a.Domains[:i:i], a.Domains[i+1:]...)
			if len(a.Domains) == 0 {
				a.Domains = nil
			}
			a.RoutesSeq++
			return nil
		}
	}
	return NotFound("domain")
}

// restoreDomains makes the application's domains those a release recorded
// (a rollback): domains it keeps stay as they are, the others come back
// pending, and those the release did not have go. The store claims each
// hostname that comes back (a conflict when another application took it
// meanwhile).
func (a *Application) restoreDomains(hostnames []string, now time.Time) {
	want := make(map[string]bool, len(hostnames))
	for _, h := range hostnames {
		want[h] = true
	}
	var next []Domain
	for _, d := range a.Domains {
		if want[d.Hostname] {
			next = append(next, d)
			delete(want, d.Hostname)
		}
	}
	for h := range want {
		next = append(next, Domain{Hostname: h, Status: DomainPending, Created: now, Updated: now})
	}
	sort.Slice(next, func(i, j int) bool { return next[i].Hostname < next[j].Hostname })
	if strings.Join(hostnamesOf(next), ",") != strings.Join(a.Hostnames(), ",") {
		a.RoutesSeq++
	}
	a.Domains = next
}

// RoutesStale reports whether the application's routes changed since they
// were last applied to the cluster.
func (a *Application) RoutesStale() bool { return a.RoutesSeq > a.RoutesApplied }

// NeedsRouteCheck reports whether the scheduled route check has work on
// the application: routes to apply, or a domain still pending.
func (a *Application) NeedsRouteCheck() bool {
	if a.RoutesStale() {
		return true
	}
	for _, d := range a.Domains {
		if d.Status != DomainActive {
			return true
		}
	}
	return false
}

// RouteState is what the cluster reports about one host of an ingress.
type RouteState struct {
	// Routed is true when an ingress of the application carries the host.
	Routed bool
	// Target is the load balancer hostname or address serving it ("" until
	// the ingress controller reported one).
	Target string
	// TLSReady is true when the host's certificate is issued.
	TLSReady bool
	// Problem, when set, explains why the host cannot become active.
	Problem string
}

// ObserveRoutes updates the domains' statuses from what the cluster
// reports (by hostname): active once routed with a target and a ready
// certificate; error with a detail when the cluster reports a problem or
// the domain stayed pending past DomainPendingLimit; pending otherwise. An
// active domain whose certificate is renewing stays active. It returns
// whether anything changed.
func (a *Application) ObserveRoutes(states map[string]RouteState, now time.Time) bool {
	changed := false
	for i := range a.Domains {
		d := &a.Domains[i]
		st := states[d.Hostname]
		status, detail := DomainPending, ""
		switch {
		case st.Problem != "":
			status, detail = DomainError, st.Problem
		case st.Routed && st.Target != "" && (st.TLSReady || d.Status == DomainActive):
			status = DomainActive
		case now.Sub(d.Created) > DomainPendingLimit:
			status, detail = DomainError, fmt.Sprintf("not active after %s: check that the DNS record exists (%s)", DomainPendingLimit, waitingFor(st))
		}
		target := st.Target
		if target == "" {
			target = d.Target
		}
		if status != d.Status || deref(d.Detail) != detail || target != d.Target {
			d.Status, d.Target, d.Updated = status, target, now
			d.Detail = nil
			if detail != "" {
				d.Detail = &detail
			}
			changed = true
		}
	}
	return changed
}

func waitingFor(st RouteState) string {
	switch {
	case !st.Routed:
		return "the ingress does not route it yet"
	case st.Target == "":
		return "the ingress controller has not assigned a load balancer"
	}
	return "the certificate is not issued"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
