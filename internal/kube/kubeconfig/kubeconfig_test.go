package kubeconfig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "ca.crt"), cert, 0o600))
	must(os.WriteFile(filepath.Join(dir, "token"), []byte("from-file\n"), 0o600))
	config := `apiVersion: v1
kind: Config
current-context: token
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt}
- name: inline
  cluster: {server: "https://127.0.0.1:7443", certificate-authority-data: ` + b64(cert) + `}
- name: insecure
  cluster: {server: "https://127.0.0.1:8443", insecure-skip-tls-verify: true}
users:
- name: token
  user: {token: secret}
- name: token-file
  user: {tokenFile: token}
- name: cert
  user: {client-certificate-data: ` + b64(cert) + `, client-key-data: ` + b64(key) + `}
- name: eks
  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}}
- name: nothing
  user: {}
contexts:
- {name: token, context: {cluster: local, user: token}}
- {name: token-file, context: {cluster: inline, user: token-file}}
- {name: cert, context: {cluster: inline, user: cert}}
- {name: eks, context: {cluster: local, user: eks}}
- {name: nothing, context: {cluster: local, user: nothing}}
- {name: insecure, context: {cluster: insecure, user: token}}
- {name: dangling, context: {cluster: gone, user: token}}
`
	path := filepath.Join(dir, "config")
	must(os.WriteFile(path, []byte(config), 0o600))
	for _, tc := range []struct {
		context, server, token, err string
		cert                        bool
	}{
		{context: "", server: "https://127.0.0.1:6443", token: "secret"},
		{context: "token-file", server: "https://127.0.0.1:7443", token: "from-file"},
		{context: "cert", server: "https://127.0.0.1:7443", cert: true},
		{context: "eks", err: "exec or auth-provider plugin"},
		{context: "nothing", err: "neither a token nor a client certificate"},
		{context: "insecure", err: "insecure-skip-tls-verify is not supported"},
		{context: "dangling", err: `names no cluster "gone"`},
		{context: "missing", err: `no context "missing"`},
	} {
		t.Run(tc.context, func(t *testing.T) {
			cfg, err := Load(path, tc.context)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			token, _ := cfg.Token.Token(context.Background())
			tlsCfg := cfg.HTTPClient.Transport.(*http.Transport).TLSClientConfig
			if cfg.Server != tc.server || token != tc.token || tlsCfg.RootCAs == nil || (len(tlsCfg.Certificates) == 1) != tc.cert {
				t.Fatalf("server %s token %q, %d client certificates, CA %v", cfg.Server, token, len(tlsCfg.Certificates), tlsCfg.RootCAs != nil)
			}
		})
	}
}
