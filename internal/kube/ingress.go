package kube

import (
	"context"
	"fmt"
	"strings"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TLSMode is how the rendered Ingresses get their certificates.
type TLSMode string

// The TLS mechanisms.
const (
	// TLSCertManager: cert-manager's ingress-shim issues one certificate
	// per host (a Secret named TLSSecretName) from Routing.ClusterIssuer,
	// e.g. Let's Encrypt over HTTP-01: works on any cluster and ingress
	// controller, needs no DNS record besides the CNAME. The default.
	TLSCertManager TLSMode = "cert-manager"
	// TLSACM: the AWS Load Balancer Controller terminates TLS on an ALB
	// with ACM certificates it discovers by the hosts (one ALB shared by
	// every application through the group AWSLoadBalancerGroup).
	TLSACM TLSMode = "acm"
	// TLSNone renders no TLS (a cluster whose ingress controller
	// terminates TLS by itself, or a test cluster).
	TLSNone TLSMode = "none"
)

// ParseTLSMode reads a TLS mode ("" is TLSCertManager).
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(s); m {
	case "":
		return TLSCertManager, nil
	case TLSCertManager, TLSACM, TLSNone:
		return m, nil
	}
	return "", fmt.Errorf("kube: TLS mode %q is none of cert-manager, acm, none", s)
}

// Routing says how web processes are exposed: the apps domain of their
// default hosts, the ingress class and the TLS mechanism. An empty
// AppsDomain renders no Ingress at all.
type Routing struct {
	AppsDomain string
	// IngressClass is spec.ingressClassName ("": the cluster's default
	// class; "alb" with TLSACM).
	IngressClass string
	TLS          TLSMode
	// ClusterIssuer is the cert-manager ClusterIssuer (TLSCertManager).
	ClusterIssuer string
}

// ParseRouting reads the routing settings (the template parameters); a
// bad TLS mode, or cert-manager without a ClusterIssuer, is an error.
func ParseRouting(appsDomain, ingressClass, tls, clusterIssuer string) (Routing, error) {
	mode, err := ParseTLSMode(tls)
	if err != nil {
		return Routing{}, err
	}
	r := Routing{AppsDomain: strings.TrimSuffix(strings.ToLower(appsDomain), "."), IngressClass: ingressClass, TLS: mode, ClusterIssuer: clusterIssuer}
	if r.AppsDomain != "" && mode == TLSCertManager && clusterIssuer == "" {
		return Routing{}, fmt.Errorf("kube: TLS by cert-manager needs a ClusterIssuer name")
	}
	return r, nil
}

// AWSLoadBalancerGroup is the ALB group every application's Ingress joins
// under TLSACM, so that they share one load balancer.
const AWSLoadBalancerGroup = "slipway"

// Annotations the adapter sets.
const (
	annotationClusterIssuer = "cert-manager.io/cluster-issuer"
	annotationALBPrefix     = "alb.ingress.kubernetes.io/"
)

// Ingress is a networking.k8s.io/v1 Ingress.
type Ingress struct {
	APIVersion string        `json:"apiVersion,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	Metadata   ObjectMeta    `json:"metadata"`
	Spec       IngressSpec   `json:"spec,omitzero"`
	Status     IngressStatus `json:"status,omitzero"`
}

// IngressSpec is an Ingress's spec.
type IngressSpec struct {
	IngressClassName string        `json:"ingressClassName,omitempty"`
	TLS              []IngressTLS  `json:"tls,omitempty"`
	Rules            []IngressRule `json:"rules,omitempty"`
}

// IngressTLS is the certificate of some hosts.
type IngressTLS struct {
	Hosts      []string `json:"hosts"`
	SecretName string   `json:"secretName,omitempty"`
}

// IngressRule routes one host.
type IngressRule struct {
	Host string          `json:"host"`
	HTTP IngressRuleHTTP `json:"http"`
}

// IngressRuleHTTP are a rule's paths.
type IngressRuleHTTP struct {
	Paths []IngressPath `json:"paths"`
}

// IngressPath sends a path prefix to a Service.
type IngressPath struct {
	Path     string         `json:"path"`
	PathType string         `json:"pathType"`
	Backend  IngressBackend `json:"backend"`
}

// IngressBackend is a Service port.
type IngressBackend struct {
	Service IngressServiceBackend `json:"service"`
}

// IngressServiceBackend names the Service and its port.
type IngressServiceBackend struct {
	Name string             `json:"name"`
	Port ServiceBackendPort `json:"port"`
}

// ServiceBackendPort is a Service port by number.
type ServiceBackendPort struct {
	Number int32 `json:"number"`
}

// IngressStatus is what the ingress controller reports.
type IngressStatus struct {
	LoadBalancer struct {
		Ingress []struct {
			Hostname string `json:"hostname,omitempty"`
			IP       string `json:"ip,omitempty"`
		} `json:"ingress,omitempty"`
	} `json:"loadBalancer,omitzero"`
}

// Certificate is the part of a cert-manager.io/v1 Certificate the route
// status reads.
type Certificate struct {
	Status struct {
		Conditions []Condition `json:"conditions"`
	} `json:"status"`
}

// TLSSecretName is the Secret (and cert-manager Certificate) of a host's
// certificate: "tls-" and the host with dots as dashes, shortened like
// object names when it would pass 63 characters.
func TLSSecretName(host string) string {
	name := "tls-" + strings.ReplaceAll(host, ".", "-")
	if len(name) <= maxName {
		return name
	}
	return shorten("", name)
}

// RenderIngresses returns one Ingress per web process, named like its
// Service (ObjectName) and labelled like it: a rule per host sending every
// path to the Service's port 80, and TLS by r.TLS — for cert-manager the
// ClusterIssuer annotation and one TLS entry (Secret) per host, so that
// one custom domain whose DNS is not set up yet never holds back the
// certificate of another; for ACM one TLS entry of every host and the ALB
// annotations (internet-facing, IP targets, HTTPS with a redirect, the
// shared group). No apps domain: no Ingress.
func RenderIngresses(w pipeline.Workload, r Routing) ([]Ingress, error) {
	if err := checkWorkload(w); err != nil {
		return nil, err
	}
	if r.AppsDomain == "" {
		return nil, nil
	}
	for _, s := range []string{w.ApplicationSlug, w.ProjectSlug, w.OrganizationSlug} {
		if !platform.IsDNSLabel(s) {
			return nil, fmt.Errorf("kube: workload %s: slug %q is not a DNS label (default hosts)", w.Name, s)
		}
	}
	for _, d := range w.Domains {
		if err := platform.ValidateHostname(d, r.AppsDomain); err != nil {
			return nil, fmt.Errorf("kube: workload %s: domain %q: %w", w.Name, d, err)
		}
	}
	hosts := w.WebHosts(r.AppsDomain)
	var out []Ingress
	for _, process := range sortedProcesses(w) {
		hs, ok := hosts[process]
		if !ok {
			continue
		}
		lbls, _ := labels(w, process)
		name := ObjectName(w.Name, process)
		ing := Ingress{
			APIVersion: "networking.k8s.io/v1", Kind: "Ingress",
			Metadata: ObjectMeta{Name: name, Namespace: w.Namespace, Labels: lbls},
			Spec:     IngressSpec{IngressClassName: r.IngressClass},
		}
		for _, h := range hs {
			ing.Spec.Rules = append(ing.Spec.Rules, IngressRule{Host: h, HTTP: IngressRuleHTTP{Paths: []IngressPath{{
				Path: "/", PathType: "Prefix",
				Backend: IngressBackend{Service: IngressServiceBackend{Name: name, Port: ServiceBackendPort{Number: 80}}},
			}}}})
		}
		switch r.TLS {
		case TLSCertManager, "":
			ing.Metadata.Annotations = map[string]string{annotationClusterIssuer: r.ClusterIssuer}
			for _, h := range hs {
				ing.Spec.TLS = append(ing.Spec.TLS, IngressTLS{Hosts: []string{h}, SecretName: TLSSecretName(h)})
			}
		case TLSACM:
			ing.Metadata.Annotations = map[string]string{
				annotationALBPrefix + "scheme":       "internet-facing",
				annotationALBPrefix + "target-type":  "ip",
				annotationALBPrefix + "listen-ports": `[{"HTTP":80},{"HTTPS":443}]`,
				annotationALBPrefix + "ssl-redirect": "443",
				annotationALBPrefix + "group.name":   AWSLoadBalancerGroup,
			}
			ing.Spec.TLS = []IngressTLS{{Hosts: hs}}
		}
		out = append(out, ing)
	}
	return out, nil
}

// applyIngresses applies the workload's Ingresses and deletes the
// application's Ingresses it no longer renders (a web process or the apps
// domain gone).
func (k *Cluster) applyIngresses(ctx context.Context, w pipeline.Workload) error {
	ings, err := RenderIngresses(w, k.routing)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, ing := range ings {
		keep[ing.Metadata.Name] = true
		if err := k.c.apply(ctx, ingressesPath(w.Namespace)+"/"+ing.Metadata.Name, FieldManager, ing); err != nil {
			return err
		}
	}
	return k.prune(ctx, w, ingressesPath(w.Namespace), keep)
}

// ApplyRoutes applies the workload's Ingresses and prunes the
// application's others, touching no Deployment or Service (the route
// check: a domain added or removed reaches the cluster without a
// rollout). Kubernetes verbs: patch, create, list and delete on ingresses.
func (k *Cluster) ApplyRoutes(ctx context.Context, w pipeline.Workload) error {
	return classify(k.applyIngresses(ctx, w))
}

// RouteStatus reads each Ingress of the workload (its load balancer) and,
// with cert-manager, each host's Certificate (its Ready condition): see
// pipeline.RouteReader. An Ingress not there yet routes nothing; a
// Certificate whose issuance failed is a problem of its host. Kubernetes
// verbs: get on ingresses (networking.k8s.io) and certificates
// (cert-manager.io).
func (k *Cluster) RouteStatus(ctx context.Context, w pipeline.Workload) (map[string]platform.RouteState, error) {
	ings, err := RenderIngresses(w, k.routing)
	if err != nil {
		return nil, err
	}
	out := map[string]platform.RouteState{}
	for _, want := range ings {
		var live Ingress
		err := k.c.get(ctx, ingressesPath(w.Namespace)+"/"+want.Metadata.Name, nil, &live)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, classify(err)
		}
		target := ""
		if lb := live.Status.LoadBalancer.Ingress; len(lb) > 0 {
			target = lb[0].Hostname
			if target == "" {
				target = lb[0].IP
			}
		}
		routed := map[string]bool{}
		for _, rule := range live.Spec.Rules {
			routed[rule.Host] = true
		}
		for _, rule := range want.Spec.Rules {
			st := platform.RouteState{Routed: routed[rule.Host], Target: target, TLSReady: k.routing.TLS != TLSCertManager && k.routing.TLS != ""}
			if k.routing.TLS == TLSACM {
				st.TLSReady = target != "" // the controller reports no address until its certificates resolve
			}
			if st.Routed && !st.TLSReady && (k.routing.TLS == TLSCertManager || k.routing.TLS == "") {
				st.TLSReady, st.Problem, err = k.certificateReady(ctx, w.Namespace, TLSSecretName(rule.Host))
				if err != nil {
					return nil, err
				}
			}
			out[rule.Host] = st
		}
	}
	return out, nil
}

// certificateReady reads a host's cert-manager Certificate: ready when its
// Ready condition is True; a problem when issuing it failed.
func (k *Cluster) certificateReady(ctx context.Context, ns, name string) (bool, string, error) {
	var cert Certificate
	err := k.c.get(ctx, certificatesPath(ns)+"/"+name, nil, &cert)
	if IsNotFound(err) {
		return false, "", nil
	}
	if err != nil {
		return false, "", classify(err)
	}
	for _, c := range cert.Status.Conditions {
		switch {
		case c.Type == "Ready" && c.Status == "True":
			return true, "", nil
		case c.Type == "Issuing" && c.Status == "False" && c.Reason == "Failed":
			return false, "the certificate could not be issued: " + c.Message, nil
		}
	}
	return false, "", nil
}

func ingressesPath(ns string) string {
	return "/apis/networking.k8s.io/v1/namespaces/" + ns + "/ingresses"
}

func certificatesPath(ns string) string {
	return "/apis/cert-manager.io/v1/namespaces/" + ns + "/certificates"
}

// ApplyRoutes on an unconfigured cluster fails like every other call.
func (unconfigured) ApplyRoutes(context.Context, pipeline.Workload) error { return ErrNoCluster }

// RouteStatus on an unconfigured cluster fails like every other call.
func (unconfigured) RouteStatus(context.Context, pipeline.Workload) (map[string]platform.RouteState, error) {
	return nil, ErrNoCluster
}
