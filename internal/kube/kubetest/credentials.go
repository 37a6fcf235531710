package kubetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/kube"
)

// credentials are the files of one control plane: a CA, the API server's
// certificate (SAN 127.0.0.1), the service-account signing key pair and
// the static token file.
type credentials struct {
	caPEM                                                  []byte
	caFile, serverCert, serverKey, saKey, saPub, tokenFile string
	// tokens: admin, no rights, pipeline, scale.
	tokens [4]string
}

func writeCredentials(dir string) (credentials, error) {
	var c credentials
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubetest-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return c, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	c.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})

	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	serverTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTmpl, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return c, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return c, err
	}
	for i := range c.tokens {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return c, err
		}
		c.tokens[i] = hex.EncodeToString(b)
	}
	// token,user,uid,"groups"
	tokenFile := strings.Join([]string{
		fmt.Sprintf("%s,%s,%s,\"system:masters\"", c.tokens[0], AdminUser, AdminUser),
		fmt.Sprintf("%s,%s,%s", c.tokens[1], NoRightsUser, NoRightsUser),
		fmt.Sprintf("%s,%s,%s,\"%s\"", c.tokens[2], PipelineUser, PipelineUser, kube.PipelineGroup),
		fmt.Sprintf("%s,%s,%s,\"%s\"", c.tokens[3], ScaleUser, ScaleUser, kube.ScaleGroup),
	}, "\n") + "\n"

	c.caFile = filepath.Join(dir, "ca.crt")
	c.serverCert, c.serverKey = filepath.Join(dir, "apiserver.crt"), filepath.Join(dir, "apiserver.key")
	c.saKey, c.saPub = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	c.tokenFile = filepath.Join(dir, "tokens.csv")
	files := map[string][]byte{
		c.caFile:     c.caPEM,
		c.serverCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER}),
		c.serverKey:  ecKeyPEM(serverKey),
		c.saKey:      ecKeyPEM(saKey),
		c.saPub:      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
		c.tokenFile:  []byte(tokenFile),
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return c, err
		}
	}
	return c, nil
}

func ecKeyPEM(k *ecdsa.PrivateKey) []byte {
	der, _ := x509.MarshalECPrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}
