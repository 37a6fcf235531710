// Package kubeconfig reads a kubeconfig file (the file kubectl uses) into
// a kube.Config, for the local system's `slipway dev --cluster
// kubeconfig=PATH`: the server, its CA, and a bearer token (token or
// tokenFile) or a client certificate (inline data or files) of the chosen
// context. Exec and auth-provider credentials are refused with a clear
// error. It is its own package so that the Lambda functions, which reach
// EKS with IAM tokens, do not link a YAML parser.
package kubeconfig

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"

	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slipway-paas/slipway/internal/kube"
)

type file struct {
	CurrentContext string `yaml:"current-context"`
	Clusters       []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server                   string `yaml:"server"`
			CertificateAuthority     string `yaml:"certificate-authority"`
			CertificateAuthorityData string `yaml:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `yaml:"insecure-skip-tls-verify"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Users []struct {
		Name string `yaml:"name"`
		User struct {
			Token                 string    `yaml:"token"`
			TokenFile             string    `yaml:"tokenFile"`
			ClientCertificate     string    `yaml:"client-certificate"`
			ClientCertificateData string    `yaml:"client-certificate-data"`
			ClientKey             string    `yaml:"client-key"`
			ClientKeyData         string    `yaml:"client-key-data"`
			Exec                  yaml.Node `yaml:"exec"`
			AuthProvider          yaml.Node `yaml:"auth-provider"`
		} `yaml:"user"`
	} `yaml:"users"`
	Contexts []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
			User    string `yaml:"user"`
		} `yaml:"context"`
	} `yaml:"contexts"`
}

// Load reads the kubeconfig at path and returns the kube.Config of the
// context named contextName (the current context when empty). Relative
// file names in it are relative to the kubeconfig's directory.
func Load(path, contextName string) (kube.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return kube.Config{}, fmt.Errorf("kubeconfig: %w", err)
	}
	var f file
	if err := yaml.Unmarshal(data, &f); err != nil {
		return kube.Config{}, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if contextName == "" {
		contextName = f.CurrentContext
	}
	var clusterName, userName string
	found := false
	for _, c := range f.Contexts {
		if c.Name == contextName {
			clusterName, userName, found = c.Context.Cluster, c.Context.User, true
		}
	}
	if !found {
		return kube.Config{}, fmt.Errorf("kubeconfig %s: no context %q", path, contextName)
	}
	cfg := kube.Config{ClusterName: contextName}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	found = false
	for _, c := range f.Clusters {
		if c.Name != clusterName {
			continue
		}
		found = true
		cfg.Server = c.Cluster.Server
		if c.Cluster.InsecureSkipTLSVerify {
			return kube.Config{}, fmt.Errorf("kubeconfig %s: cluster %s: insecure-skip-tls-verify is not supported; give its CA", path, clusterName)
		}
		ca, err := dataOrFile(c.Cluster.CertificateAuthorityData, rel(c.Cluster.CertificateAuthority))
		if err != nil {
			return kube.Config{}, fmt.Errorf("kubeconfig %s: cluster %s: certificate authority: %w", path, clusterName, err)
		}
		if len(ca) > 0 {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(ca) {
				return kube.Config{}, fmt.Errorf("kubeconfig %s: cluster %s: the certificate authority holds no PEM certificate", path, clusterName)
			}
			tlsCfg.RootCAs = pool
		}
	}
	if !found {
		return kube.Config{}, fmt.Errorf("kubeconfig %s: context %s names no cluster %q", path, contextName, clusterName)
	}
	found = false
	for _, u := range f.Users {
		if u.Name != userName {
			continue
		}
		found = true
		switch usr := u.User; {
		case !usr.Exec.IsZero() || !usr.AuthProvider.IsZero():
			return kube.Config{}, fmt.Errorf("kubeconfig %s: user %s authenticates with an exec or auth-provider plugin, which Slipway does not run; use a context with a token or a client certificate", path, userName)
		case usr.Token != "":
			cfg.Token = kube.StaticToken(usr.Token)
		case usr.TokenFile != "":
			t, err := os.ReadFile(rel(usr.TokenFile))
			if err != nil {
				return kube.Config{}, fmt.Errorf("kubeconfig %s: user %s: %w", path, userName, err)
			}
			cfg.Token = kube.StaticToken(strings.TrimSpace(string(t)))
		default:
			certPEM, err := dataOrFile(usr.ClientCertificateData, rel(usr.ClientCertificate))
			if err != nil {
				return kube.Config{}, fmt.Errorf("kubeconfig %s: user %s: client certificate: %w", path, userName, err)
			}
			keyPEM, err := dataOrFile(usr.ClientKeyData, rel(usr.ClientKey))
			if err != nil {
				return kube.Config{}, fmt.Errorf("kubeconfig %s: user %s: client key: %w", path, userName, err)
			}
			if len(certPEM) == 0 || len(keyPEM) == 0 {
				return kube.Config{}, fmt.Errorf("kubeconfig %s: user %s has neither a token nor a client certificate and key", path, userName)
			}
			cert, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				return kube.Config{}, fmt.Errorf("kubeconfig %s: user %s: %w", path, userName, err)
			}
			tlsCfg.Certificates = []tls.Certificate{cert}
			cfg.Token = kube.StaticToken("") // the certificate authenticates
		}
	}
	if !found {
		return kube.Config{}, fmt.Errorf("kubeconfig %s: context %s names no user %q", path, contextName, userName)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsCfg
	cfg.HTTPClient = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	return cfg, nil
}

// dataOrFile is base64 data when given, else the file's contents, else nil.
func dataOrFile(data, path string) ([]byte, error) {
	switch {
	case data != "":
		return base64.StdEncoding.DecodeString(strings.TrimSpace(data))
	case path != "":
		return os.ReadFile(path)
	}
	return nil, nil
}
