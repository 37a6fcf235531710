package kube

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no server", Config{Token: StaticToken("t")}, `kube: server "" is not an http(s) URL`},
		{"other scheme", Config{Server: "ftp://k8s", Token: StaticToken("t")}, `kube: server "ftp://k8s" is not an http(s) URL`},
		{"plain http off loopback", Config{Server: "http://10.0.0.5:6443", Token: StaticToken("t")},
			`kube: server "http://10.0.0.5:6443": plain http is allowed for loopback addresses only`},
		{"no token", Config{Server: "https://k8s.example.com"}, "kube: Config.Token is required (an EKSToken or a StaticToken)"},
		{"client and CA", Config{Server: "https://k8s.example.com", Token: StaticToken("t"), HTTPClient: http.DefaultClient, CAData: []byte("x")},
			"kube: set either Config.HTTPClient or Config.CAData, not both"},
		{"CA not base64", Config{Server: "https://k8s.example.com", Token: StaticToken("t"), CAData: []byte("%%%")},
			"kube: CA data is neither PEM nor base64 of PEM: illegal base64 data at input byte 0"},
		{"CA without certificate", Config{Server: "https://k8s.example.com", Token: StaticToken("t"), CAData: []byte(base64.StdEncoding.EncodeToString([]byte("hello")))},
			"kube: CA data holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
	for _, ok := range []string{"https://ABCD.gr7.us-east-1.eks.amazonaws.com/", "http://127.0.0.1:8001", "http://localhost:8080", "http://[::1]:6443"} {
		if _, err := New(Config{Server: ok, Token: StaticToken("t")}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestTLSWithCAData(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"metadata":{"name":"shop-api-web","generation":1},"spec":{"replicas":0},"status":{"observedGeneration":1}}`))
	}))
	defer srv.Close()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	w := testWorkload()
	w.Processes = map[string]string{"web": "./web"}
	w.ProcessCounts = nil
	for _, tc := range []struct {
		name   string
		caData []byte
		ok     bool
	}{
		{"base64 PEM, as EKS reports it", []byte(base64.StdEncoding.EncodeToString(certPEM)), true},
		{"PEM", certPEM, true},
		{"system roots do not trust the server", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := New(Config{Server: srv.URL, CAData: tc.caData, Token: StaticToken("t")})
			if err != nil {
				t.Fatal(err)
			}
			st, err := k.RolloutStatus(context.Background(), w)
			if tc.ok && (err != nil || !st.Done) {
				t.Fatalf("status %+v, %v", st, err)
			}
			if !tc.ok && (err == nil || platform.IsCode(err, platform.CodeUnavailable) || !strings.Contains(err.Error(), "certificate")) {
				t.Fatalf("an untrusted certificate: %v", err)
			}
		})
	}
}
