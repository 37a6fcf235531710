package kube

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/slipway-paas/slipway/internal/awsconf"
)

var signTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestEKSTokenIsAPresignedGetCallerIdentity(t *testing.T) {
	for _, tc := range []struct {
		name, region, session, host string
	}{
		{"long-term credentials", "us-east-1", "", "sts.us-east-1.amazonaws.com"},
		{"session credentials", "eu-central-1", "SESSION/TOKEN+1=", "sts.eu-central-1.amazonaws.com"},
		{"China partition", "cn-north-1", "", "sts.cn-north-1.amazonaws.com.cn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &EKSToken{ClusterName: "slipway-prod", Region: tc.region, Now: func() time.Time { return signTime },
				Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", tc.session)}
			token, err := src.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			encoded, ok := strings.CutPrefix(token, "k8s-aws-v1.")
			if !ok || strings.ContainsAny(encoded, "=+/") {
				t.Fatalf("token %q is not k8s-aws-v1. + unpadded base64url", token)
			}
			raw, err := base64.RawURLEncoding.DecodeString(encoded)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			want := map[string]string{
				"Action": "GetCallerIdentity", "Version": "2011-06-15", "X-Amz-Expires": "60",
				"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": "20261126T120000Z",
				"X-Amz-Credential":    "AKIDEXAMPLE/20261126/" + tc.region + "/sts/aws4_request",
				"X-Amz-SignedHeaders": "host;x-k8s-aws-id",
			}
			if tc.session != "" {
				want["X-Amz-Security-Token"] = tc.session
			}
			if u.Scheme != "https" || u.Host != tc.host || u.Path != "/" {
				t.Fatalf("URL %s", u)
			}
			for k, v := range want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if len(q) != len(want)+1 {
				t.Errorf("query has %d parameters, want %d plus the signature: %v", len(q), len(want), q)
			}
			wantSig := sigV4(u, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", tc.region, "slipway-prod")
			if got := q.Get("X-Amz-Signature"); got != wantSig {
				t.Fatalf("signature %s, want %s (computed independently)", got, wantSig)
			}
		})
	}
}

// sigV4 computes a presigned URL's signature from scratch (AWS Signature
// Version 4, query-string authentication), signing the host and
// x-k8s-aws-id headers and an empty payload.
func sigV4(u *url.URL, secret, region, cluster string) string {
	q := u.Query()
	q.Del("X-Amz-Signature")
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, uriEncode(k)+"="+uriEncode(q.Get(k)))
	}
	emptyHash := sha256.Sum256(nil)
	canonical := strings.Join([]string{
		"GET", "/", strings.Join(pairs, "&"),
		"host:" + u.Host, "x-k8s-aws-id:" + cluster, "",
		"host;x-k8s-aws-id", hex.EncodeToString(emptyHash[:]),
	}, "\n")
	date := q.Get("X-Amz-Date")
	scope := date[:8] + "/" + region + "/sts/aws4_request"
	canonicalHash := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(canonicalHash[:])
	key := []byte("AWS4" + secret)
	for _, part := range []string{date[:8], region, "sts", "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// uriEncode escapes everything but RFC 3986 unreserved characters.
func uriEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func TestEKSTokenCaching(t *testing.T) {
	now := signTime
	cfg := awsconf.FromEnv()
	cfg.Region, cfg.Credentials = "us-east-1", credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	src := NewEKSToken(cfg, "c")
	src.Now = func() time.Time { return now }
	ctx := context.Background()
	first, _ := src.Token(ctx)
	for _, tc := range []struct {
		at   time.Duration
		same bool
	}{
		{time.Minute, true},
		{12*time.Minute + 59*time.Second, true},
		{13 * time.Minute, true},                // exactly 60 s left
		{13*time.Minute + time.Second, false},   // 59 s left: a new token
		{13*time.Minute + 2*time.Second, true},  // the new one is cached
		{26*time.Minute + time.Second, true},    // 60 s left of the new one
		{26*time.Minute + 2*time.Second, false}, // and it is replaced in turn
	} {
		now = signTime.Add(tc.at)
		got, _ := src.Token(ctx)
		if (got == first) != tc.same {
			t.Fatalf("at +%v: same token = %v, want %v", tc.at, got == first, tc.same)
		}
		first = got
	}
	now = now.Add(time.Second)
	if got, _ := src.Token(ctx); got != first {
		t.Fatal("a fresh token was not cached")
	}
	src.Invalidate()
	if got, _ := src.Token(ctx); got == first {
		t.Fatal("Invalidate did not make the next call sign a new token")
	}
}

func TestEKSTokenNeedsItsInputs(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	for _, src := range []*EKSToken{
		{Region: "us-east-1", Credentials: creds},
		{ClusterName: "c", Credentials: creds},
		{ClusterName: "c", Region: "us-east-1"},
		{ClusterName: "c", Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
	} {
		if _, err := src.Token(context.Background()); err == nil {
			t.Errorf("%+v signed a token", src)
		}
	}
}
