package kube

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// EKS token timing. A token is a presigned STS GetCallerIdentity URL that
// EKS accepts for 15 minutes after signing; like `aws eks get-token` it is
// treated as expiring after 14, and EKSToken signs a new one when less
// than EKSTokenRefreshBefore of that remains.
const (
	EKSTokenLifetime      = 14 * time.Minute
	EKSTokenRefreshBefore = time.Minute
	eksTokenPrefix        = "k8s-aws-v1."
	// emptyPayloadHash is the hex SHA-256 of an empty body.
	emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// EKSToken is a TokenSource for an EKS cluster: the token of `aws eks
// get-token` and aws-iam-authenticator, made with the SigV4 presigner (no
// STS client or call is needed). It is safe for concurrent use.
type EKSToken struct {
	ClusterName string
	Region      string
	Credentials aws.CredentialsProvider
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewEKSToken returns a token source for the cluster with the region and
// credentials of cfg.
func NewEKSToken(cfg aws.Config, clusterName string) *EKSToken {
	return &EKSToken{ClusterName: clusterName, Region: cfg.Region, Credentials: cfg.Credentials}
}

// Token returns the cached token, or signs a new one when it is about to
// expire.
func (t *EKSToken) Token(ctx context.Context) (string, error) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	signed := now()
	if t.token != "" && t.expires.Sub(signed) >= EKSTokenRefreshBefore {
		return t.token, nil
	}
	token, err := t.presign(ctx, signed)
	if err != nil {
		return "", err
	}
	t.token, t.expires = token, signed.Add(EKSTokenLifetime)
	return token, nil
}

// Invalidate drops the cached token, so the next call signs a new one.
func (t *EKSToken) Invalidate() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token = ""
}

func (t *EKSToken) presign(ctx context.Context, at time.Time) (string, error) {
	if t.ClusterName == "" || t.Region == "" || t.Credentials == nil {
		return "", fmt.Errorf("kube: an EKS token needs a cluster name, a region and credentials")
	}
	creds, err := t.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("kube: AWS credentials for the EKS token: %w", err)
	}
	endpoint := "https://" + stsHost(t.Region) + "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("x-k8s-aws-id", t.ClusterName)
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, emptyPayloadHash, "sts", t.Region, at.UTC())
	if err != nil {
		return "", fmt.Errorf("kube: presigning the EKS token: %w", err)
	}
	return eksTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(signed)), nil
}

// stsHost is the regional STS endpoint.
func stsHost(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "sts." + region + ".amazonaws.com.cn"
	}
	return "sts." + region + ".amazonaws.com"
}
