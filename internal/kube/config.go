package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config says how to reach a cluster's API server.
type Config struct {
	// Server is the API server's base URL, e.g. the EKS cluster endpoint.
	// Plain http is accepted for loopback addresses only.
	Server string
	// CAData is the CA bundle the server's certificate must chain to: PEM,
	// or base64 of PEM as EKS's DescribeCluster reports it. Empty: the
	// system roots.
	CAData []byte
	// ClusterName names the cluster in error messages (and is the name an
	// EKSToken signs in).
	ClusterName string
	// Token authenticates every request; a token source that returns ""
	// sends no Authorization header (a client certificate of HTTPClient
	// authenticates instead).
	Token TokenSource
	// HTTPClient, when set, is used as is (CAData must then be empty).
	HTTPClient *http.Client
	// OnWarning receives the API server's Warning headers (deprecations,
	// "would violate PodSecurity"); nil logs them with slog at warn level.
	OnWarning func(method, path, warning string)
	// Routing exposes web processes through Ingresses (zero: none).
	Routing Routing
}

// TokenSource returns the bearer token for the next request.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a fixed bearer token (a service-account token of a local
// cluster, or a test's).
type StaticToken string

// Token returns the token.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// invalidator is a TokenSource that can drop a token the server rejected.
type invalidator interface{ Invalidate() }

// requestTimeout bounds one API request.
const requestTimeout = 30 * time.Second

func (c Config) httpClient() (*http.Client, error) {
	if c.HTTPClient != nil {
		if len(c.CAData) > 0 {
			return nil, errors.New("kube: set either Config.HTTPClient or Config.CAData, not both")
		}
		return c.HTTPClient, nil
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if len(c.CAData) > 0 {
		pool, err := certPool(c.CAData)
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: transport, Timeout: requestTimeout}, nil
}

// certPool reads PEM certificates, or base64 of them.
func certPool(data []byte) (*x509.CertPool, error) {
	pemData := data
	if !strings.Contains(string(data), "-----BEGIN") {
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
		if err != nil {
			return nil, fmt.Errorf("kube: CA data is neither PEM nor base64 of PEM: %w", err)
		}
		pemData = decoded
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, errors.New("kube: CA data holds no PEM certificate")
	}
	return pool, nil
}

// serverURL checks the server address: https, or http on loopback.
func serverURL(server string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("kube: server %q is not an http(s) URL", server)
	}
	if u.Scheme == "http" {
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("kube: server %q: plain http is allowed for loopback addresses only", server)
		}
	}
	return u, nil
}
