package codebuild

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// TestStartBuildConfig: build arguments and build secrets travel in the
// per-build secret only (with the token when there is one); the StartBuild
// request names the secret and holds no value.
func TestStartBuildConfig(t *testing.T) {
	cfg := pipeline.BuildConfig{ConfigVersion: 4,
		Args:    pipeline.NewEnv(map[string]string{"NODE_ENV": "production-args"}),
		Secrets: pipeline.NewEnv(map[string]string{"NPM_TOKEN": "npm_s3cr3t"})}
	withToken := request()
	withToken.Private = true
	withToken.Credential = &pipeline.SourceCredential{Token: "ghs_secret_token", Repository: "acme/api"}
	for _, tc := range []struct {
		name      string
		req       pipeline.BuildRequest
		wantEnv   []string
		wantToken string
	}{
		{"public repository", request(), []string{"SLIPWAY_BUILD_CONFIG=stack/build/" + imageID + ":build_config"}, ""},
		{"private repository", withToken, []string{"SLIPWAY_SOURCE_TOKEN=stack/build/" + imageID + ":token", "SLIPWAY_BUILD_CONFIG=stack/build/" + imageID + ":build_config"}, "ghs_secret_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Config = cfg
			f := newFake(t)
			f.answer("StartBuild", 200, startBuildAnswer)
			secrets := &fakeSecrets{}
			b := f.builder("")
			b.Secrets = secrets
			if _, err := b.StartBuild(context.Background(), tc.req); err != nil {
				t.Fatal(err)
			}
			body := string(f.taken()[0].Body)
			for _, v := range []string{"npm_s3cr3t", "production-args", "NPM_TOKEN", "NODE_ENV", "ghs_secret_token"} {
				if strings.Contains(body, v) {
					t.Fatalf("%q in the StartBuild request: %s", v, body)
				}
			}
			var in struct {
				Env []struct{ Name, Value, Type string } `json:"environmentVariablesOverride"`
			}
			if err := json.Unmarshal([]byte(body), &in); err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, e := range in.Env {
				if e.Type == "SECRETS_MANAGER" {
					refs = append(refs, e.Name+"="+e.Value)
				}
			}
			if fmt.Sprint(refs) != fmt.Sprint(tc.wantEnv) {
				t.Fatalf("secret references %v, want %v", refs, tc.wantEnv)
			}
			var doc buildSecret
			if err := json.Unmarshal([]byte(secrets.values["stack/build/"+imageID]), &doc); err != nil || doc.Token != tc.wantToken {
				t.Fatalf("secret %+v, %v", doc, err)
			}
			got := decodeBuildConfig(t, doc.Config)
			if got.Args["NODE_ENV"] != "production-args" || got.Secrets["NPM_TOKEN"] != "npm_s3cr3t" || len(got.Args)+len(got.Secrets) != 2 {
				t.Fatalf("build config %+v", got)
			}
		})
	}
}

func decodeBuildConfig(t *testing.T, s string) buildConfigDoc {
	t.Helper()
	z, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	var doc buildConfigDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestBuildConfigTooLarge: a build config Secrets Manager cannot hold
// fails the build with a reason that names sizes, never values.
func TestBuildConfigTooLarge(t *testing.T) {
	req := request()
	req.Config = pipeline.BuildConfig{ConfigVersion: 2, Secrets: pipeline.NewEnv(randomish(100, 1000))}
	f := newFake(t)
	b := f.builder("")
	b.Secrets = &fakeSecrets{}
	_, err := b.StartBuild(context.Background(), req)
	var be *pipeline.BuildError
	if !errors.As(err, &be) || !strings.Contains(be.Reason, "at most 65536") || len(f.taken()) != 0 {
		t.Fatalf("error %v", err)
	}
	for name, v := range req.Config.Secrets.Values() {
		if strings.Contains(be.Reason, v) || strings.Contains(be.Reason, name) {
			t.Fatalf("the reason shows a var: %s", be.Reason)
		}
	}
}

// randomish is n vars of size bytes each that gzip cannot shrink much.
func randomish(n, size int) map[string]string {
	out := map[string]string{}
	x := uint64(88172645463325252)
	for i := range n {
		var sb strings.Builder
		for sb.Len() < size {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			sb.WriteByte(byte('!' + x%90))
		}
		out[fmt.Sprintf("SECRET_%03d", i)] = sb.String()
	}
	return out
}
