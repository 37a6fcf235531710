package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/slipway-paas/slipway/internal/awsconf"
)

const testARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slipway/github-webhook-AbCdEf"

// fakeSecretsManager speaks the Secrets Manager protocol (AWS JSON 1.1) for
// GetSecretValue: it checks the request and answers status and body.
type fakeSecretsManager struct {
	t      *testing.T
	status int
	body   string

	mu    sync.Mutex
	calls int
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if target := r.Header.Get("X-Amz-Target"); target != "secretsmanager.GetSecretValue" {
		f.t.Errorf("X-Amz-Target %q", target)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		f.t.Errorf("Content-Type %q", ct)
	}
	var in map[string]any
	data, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(data, &in); err != nil || in["SecretId"] != testARN {
		f.t.Errorf("request %s (%v)", data, err)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func (f *fakeSecretsManager) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func newHTTPCache(t *testing.T, status int, body string) (*Cache, *fakeSecretsManager) {
	fake := &fakeSecretsManager{t: t, status: status, body: body}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := NewClient(awsconf.FromEnv(), srv.URL, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	return &Cache{Client: client}, fake
}

func TestGetOverProtocol(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		want      string
		wantErr   string
		wantCalls int // after two Gets: 1 when the value is kept
	}{
		{"string", 200, `{"ARN":"` + testARN + `","Name":"slipway/github-webhook","SecretString":"s3cr3t","VersionId":"v1"}`, "s3cr3t", "", 1},
		{"binary", 200, `{"ARN":"` + testARN + `","SecretBinary":"AAEC/w=="}`, "\x00\x01\x02\xff", "", 1},
		{"string wins over binary", 200, `{"SecretString":"pem","SecretBinary":"AAE="}`, "pem", "", 1},
		{"empty string", 200, `{"ARN":"` + testARN + `","SecretString":""}`, "", "secret is empty", 2},
		{"no value", 200, `{"ARN":"` + testARN + `"}`, "", "secret is empty", 2},
		{"not found", 400, `{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`, "", "ResourceNotFoundException", 2},
		{"access denied", 400, `{"__type":"AccessDeniedException","Message":"not authorized"}`, "", "AccessDeniedException", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache, fake := newHTTPCache(t, tc.status, tc.body)
			for range 2 {
				got, err := cache.Get(context.Background(), testARN)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), testARN) {
						t.Fatalf("Get = %q, %v; want an error naming %s with %q", got, err, testARN, tc.wantErr)
					}
					if tc.wantErr == "secret is empty" && !errors.Is(err, ErrEmpty) {
						t.Fatalf("err %v is not ErrEmpty", err)
					}
				} else if err != nil || string(got) != tc.want {
					t.Fatalf("Get = %q, %v; want %q", got, err, tc.want)
				}
			}
			if fake.Calls() != tc.wantCalls {
				t.Fatalf("%d GetSecretValue calls, want %d", fake.Calls(), tc.wantCalls)
			}
		})
	}
}

// fakeAPI answers GetSecretValue in process; release, when set, holds each
// call until it is closed (or the call's context ends).
type fakeAPI struct {
	mu      sync.Mutex
	calls   int
	value   string
	err     error
	release chan struct{}
}

func (f *fakeAPI) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	f.calls++
	value, err, release := f.value, f.err, f.release
	f.mu.Unlock()
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: &value}, nil
}

func (f *fakeAPI) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeAPI) Set(value string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.err = value, err
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestTTL(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ttl       time.Duration
		advance   time.Duration
		wantValue string
		wantCalls int
	}{
		{"within the TTL", 10 * time.Minute, 10*time.Minute - time.Second, "v1", 1},
		{"at the TTL", 10 * time.Minute, 10 * time.Minute, "v2", 2},
		{"no TTL keeps the value", 0, 365 * 24 * time.Hour, "v1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}
			api := &fakeAPI{value: "v1"}
			cache := &Cache{Client: api, TTL: tc.ttl, Now: clk.Now}
			if got, err := cache.Get(context.Background(), testARN); err != nil || string(got) != "v1" {
				t.Fatalf("first Get = %q, %v", got, err)
			}
			api.Set("v2", nil)
			clk.t = clk.t.Add(tc.advance)
			got, err := cache.Get(context.Background(), testARN)
			if err != nil || string(got) != tc.wantValue || api.Calls() != tc.wantCalls {
				t.Fatalf("Get = %q, %v after %d calls; want %q after %d", got, err, api.Calls(), tc.wantValue, tc.wantCalls)
			}
		})
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	api := &fakeAPI{err: errors.New("throttled")}
	cache := &Cache{Client: api}
	if _, err := cache.Get(context.Background(), testARN); err == nil || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("Get = %v", err)
	}
	api.Set("v1", nil)
	if got, err := cache.Get(context.Background(), testARN); err != nil || string(got) != "v1" || api.Calls() != 2 {
		t.Fatalf("Get = %q, %v after %d calls", got, err, api.Calls())
	}
}

func TestCallerOwnsTheValue(t *testing.T) {
	cache := &Cache{Client: &fakeAPI{value: "v1"}}
	got, _ := cache.Get(context.Background(), testARN)
	got[0] = 'X'
	if again, _ := cache.Get(context.Background(), testARN); string(again) != "v1" {
		t.Fatalf("cached value changed to %q", again)
	}
}

func TestRefusals(t *testing.T) {
	if _, err := (&Cache{Client: &fakeAPI{value: "v"}}).Get(context.Background(), ""); err == nil {
		t.Fatal("empty ARN accepted")
	}
	if _, err := (&Cache{}).Get(context.Background(), testARN); err == nil {
		t.Fatal("cache without a client answered")
	}
}
