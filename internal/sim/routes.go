package sim

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// The simulated ingress: the environment variables of its certificates.
const (
	// EnvCertificateSeconds is how long a simulated certificate takes to
	// be issued after its host is first routed.
	EnvCertificateSeconds = "SLIPWAY_SIM_CERTIFICATE_SECONDS"
	// EnvFailCertificate lists hostnames whose certificate is never issued
	// ("all", or a comma-separated list).
	EnvFailCertificate = "SLIPWAY_SIM_FAIL_CERTIFICATE"
)

// routeBook is the simulated ingress controller: the hosts each
// application's Ingresses route, like RenderIngresses would render them.
type routeBook struct {
	appsDomain string
	certDelay  time.Duration
	failCerts  []string

	mu   sync.Mutex
	apps map[string]map[string]routedHost // application id → host
}

type routedHost struct {
	process string
	since   time.Time
}

func newRouteBook(cfg Config) *routeBook {
	domain := cfg.AppsDomain
	if domain == "" {
		domain = platform.DefaultAppsDomain
	}
	return &routeBook{appsDomain: domain, certDelay: cfg.CertificateDelay, failCerts: cfg.FailCertificates, apps: map[string]map[string]routedHost{}}
}

// apply makes the application's routes those of the workload, keeping
// when each host that stays was first routed.
func (b *routeBook) apply(w pipeline.Workload, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.apps[w.ApplicationID]
	next := map[string]routedHost{}
	for process, hosts := range w.WebHosts(b.appsDomain) {
		for _, h := range hosts {
			r := routedHost{process: process, since: now}
			if prev, ok := old[h]; ok {
				r.since = prev.since
			}
			next[h] = r
		}
	}
	if len(next) == 0 {
		delete(b.apps, w.ApplicationID)
		return
	}
	b.apps[w.ApplicationID] = next
}

func (b *routeBook) forget(appID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.apps, appID)
}

// target is the simulated load balancer's hostname (on the apps domain,
// so it resolves nowhere harmful).
func (b *routeBook) target() string { return "ingress." + b.appsDomain }

// ApplyRoutes applies the workload's routes only: nothing rolls out.
func (c *Cluster) ApplyRoutes(_ context.Context, w pipeline.Workload) error {
	if w.ApplicationID == "" {
		return fmt.Errorf("sim: workload %q has no application id", w.Name)
	}
	c.routes.apply(w, c.now())
	return nil
}

// RouteStatus reports each host the application's simulated Ingresses
// route: routed by the simulated load balancer at once, its certificate
// issued CertificateDelay after the host was first routed, or never
// (with a problem) for a host of SLIPWAY_SIM_FAIL_CERTIFICATE.
func (c *Cluster) RouteStatus(_ context.Context, w pipeline.Workload) (map[string]platform.RouteState, error) {
	b := c.routes
	b.mu.Lock()
	defer b.mu.Unlock()
	now := c.now()
	out := map[string]platform.RouteState{}
	for host, r := range b.apps[w.ApplicationID] {
		st := platform.RouteState{Routed: true, Target: b.target(), TLSReady: now.Sub(r.since) >= b.certDelay}
		if slices.Contains(b.failCerts, "all") || slices.Contains(b.failCerts, host) {
			st.TLSReady = false
			st.Problem = "the certificate could not be issued: simulated HTTP-01 challenge failure (" + EnvFailCertificate + ")"
		}
		out[host] = st
	}
	return out, nil
}

// Routes returns the hosts the application's simulated Ingresses route,
// each with the process it reaches, sorted by host ("host → process").
func (c *Cluster) Routes(appID string) []string {
	b := c.routes
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for host, r := range b.apps[appID] {
		out = append(out, host+" → "+r.process)
	}
	sort.Strings(out)
	return out
}

// parseHostList reads "all" or a comma-separated list of hostnames.
func parseHostList(name, s string) ([]string, error) {
	hosts := splitList(s)
	for _, h := range hosts {
		if h != "all" && platform.ValidateHostname(h, "") != nil {
			return nil, fmt.Errorf("sim: %s: %q is neither all nor a hostname", name, h)
		}
	}
	return hosts, nil
}
