package codebuild

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

const (
	appID   = "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"
	imageID = "0190f0c5-0000-7000-8000-000000000003"
	buildID = "slipway-images:7c3b7f7e-1d0e-4d8e-9a55-2f6d3c1b9a10"
)

func request() pipeline.BuildRequest {
	return pipeline.BuildRequest{ApplicationID: appID, ImageID: imageID, Repository: "acme/api", Ref: "main",
		Subdirectory: "services/api", ImageTag: appID + "-v3"}
}

const startBuildAnswer = `{"build": {"id": "` + buildID + `", "buildStatus": "IN_PROGRESS", "currentPhase": "QUEUED", "projectName": "slipway-images", "startTime": 1764158400.0}}`

// fakeSecrets is a SecretStore in memory.
type fakeSecrets struct {
	values  map[string]string
	deleted []string
}

func (f *fakeSecrets) PutBuildSecret(_ context.Context, key, value string) (string, error) {
	if f.values == nil {
		f.values = map[string]string{}
	}
	f.values["stack/build/"+key] = value
	return "stack/build/" + key, nil
}

func (f *fakeSecrets) DeleteBuildSecret(_ context.Context, name string) error {
	delete(f.values, name)
	f.deleted = append(f.deleted, name)
	return nil
}

func TestStartBuildRequest(t *testing.T) {
	env := func(version string, extra string) string {
		return `[
		{"name": "SLIPWAY_IMAGE_TAG", "value": "` + appID + `-v3", "type": "PLAINTEXT"},
		{"name": "SLIPWAY_SUBDIRECTORY", "value": "services/api", "type": "PLAINTEXT"},
		{"name": "SLIPWAY_APPLICATION_ID", "value": "` + appID + `", "type": "PLAINTEXT"},
		{"name": "SLIPWAY_IMAGE_ID", "value": "` + imageID + `", "type": "PLAINTEXT"},
		{"name": "SLIPWAY_REPOSITORY", "value": "acme/api", "type": "PLAINTEXT"},
		{"name": "SLIPWAY_SOURCE_VERSION", "value": "` + version + `", "type": "PLAINTEXT"}` + extra + `]`
	}
	pinned := request()
	pinned.CommitSHA = "0123456789abcdef0123456789abcdef01234567"
	private := request()
	private.Private = true
	private.Credential = &pipeline.SourceCredential{Token: "ghs_secret_token", Repository: "acme/api"}
	for _, tc := range []struct {
		name       string
		req        pipeline.BuildRequest
		buildspec  string
		want       string
		wantSecret bool
	}{
		{"head of the branch", request(), "", `{"projectName": "slipway-images", "idempotencyToken": "` + imageID + `",
			"environmentVariablesOverride": ` + env("refs/heads/main", "") + `}`, false},
		{"pinned commit and buildspec override", pinned, "version: 0.2\n", `{"projectName": "slipway-images", "idempotencyToken": "` + imageID + `",
			"buildspecOverride": "version: 0.2\n",
			"environmentVariablesOverride": ` + env("0123456789abcdef0123456789abcdef01234567", "") + `}`, false},
		{"private: the token by reference only", private, "", `{"projectName": "slipway-images", "idempotencyToken": "` + imageID + `",
			"environmentVariablesOverride": ` + env("refs/heads/main", `,
		{"name": "SLIPWAY_SOURCE_TOKEN", "value": "stack/build/`+imageID+`:token", "type": "SECRETS_MANAGER"}`) + `}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.answer("StartBuild", 200, startBuildAnswer)
			secrets := &fakeSecrets{}
			b := f.builder(tc.buildspec)
			b.Secrets = secrets
			ref, err := b.StartBuild(context.Background(), tc.req)
			if err != nil || ref != buildID {
				t.Fatalf("StartBuild = %q, %v", ref, err)
			}
			reqs := f.taken()
			if len(reqs) != 1 || reqs[0].Operation != "StartBuild" || reqs[0].ContentType != "application/x-amz-json-1.1" ||
				!strings.Contains(reqs[0].Authorization, "/us-east-1/codebuild/aws4_request") {
				t.Fatalf("requests %+v", reqs)
			}
			assertJSON(t, "StartBuild body", reqs[0].Body, tc.want)
			if strings.Contains(string(reqs[0].Body), "ghs_secret_token") {
				t.Fatalf("the token is in the StartBuild request: %s", reqs[0].Body)
			}
			if got := secrets.values["stack/build/"+imageID]; (got == `{"token":"ghs_secret_token"}`) != tc.wantSecret || (!tc.wantSecret && len(secrets.values) > 0) {
				t.Fatalf("secrets %v", secrets.values)
			}
		})
	}
	// A credential without a secret store is refused before CodeBuild is called.
	f := newFake(t)
	if _, err := f.builder("").StartBuild(context.Background(), private); err == nil || len(f.taken()) != 0 {
		t.Fatalf("a credential without a secret store: %v", err)
	}
}

func TestStartBuildRefusesBadRequests(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*pipeline.BuildRequest)
		wantErr string
	}{
		{"repository", func(r *pipeline.BuildRequest) { r.Repository = "acme/api.git?x=1" }, `codebuild: repository "acme/api.git?x=1" is not owner/name`},
		{"no owner", func(r *pipeline.BuildRequest) { r.Repository = "api" }, `codebuild: repository "api" is not owner/name`},
		{"image id", func(r *pipeline.BuildRequest) { r.ImageID = "" }, "codebuild: the build request has no image id"},
		{"no version", func(r *pipeline.BuildRequest) { r.Ref = "" }, "codebuild: the build request has neither a commit nor a branch"},
		{"no tag", func(r *pipeline.BuildRequest) { r.ImageTag = "" }, "codebuild: the build request has no image tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			req := request()
			tc.change(&req)
			if _, err := f.builder("").StartBuild(context.Background(), req); err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if n := len(f.taken()); n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
}

func TestStartBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		retryable bool
		wantCode  string
	}{
		{"project missing", 400, `{"__type": "ResourceNotFoundException", "message": "Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/slipway-images"}`, false, "ResourceNotFoundException"},
		{"idempotency token reused with other parameters", 400, `{"__type": "InvalidInputException", "message": "Parameter mismatch for idempotency token"}`, false, "InvalidInputException"},
		{"throttled", 400, `{"__type": "ThrottlingException", "message": "Rate exceeded"}`, true, "ThrottlingException"},
		{"concurrent build limit", 400, `{"__type": "AccountLimitExceededException", "message": "Cannot have more than 1 builds in queue for the account"}`, true, "AccountLimitExceededException"},
		{"service fault", 500, `{"__type": "InternalFailure"}`, true, "InternalFailure"},
		{"gateway error without a code", 503, ``, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.answer("StartBuild", tc.status, tc.body)
			_, err := f.builder("").StartBuild(context.Background(), request())
			if err == nil || platform.IsCode(err, platform.CodeUnavailable) != tc.retryable {
				t.Fatalf("error %v: retryable %v, want %v", err, platform.IsCode(err, platform.CodeUnavailable), tc.retryable)
			}
			var apiErr smithy.APIError
			if tc.wantCode != "" && (!errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.wantCode) {
				t.Fatalf("error %v does not carry code %s", err, tc.wantCode)
			}
			if !strings.Contains(err.Error(), "codebuild: starting a build of acme/api in project slipway-images") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestStartBuildUnreachable(t *testing.T) {
	f := newFake(t)
	b := f.builder("")
	f.srv.Close()
	if _, err := b.StartBuild(context.Background(), request()); !platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("an unreachable endpoint is not retryable: %v", err)
	}
}

func TestNewClientFromAwsconf(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	f := newFake(t)
	f.answer("StartBuild", 200, startBuildAnswer)
	b := Builder{Client: NewClient(awsconf.FromEnv(), f.srv.URL), Project: "p"}
	if _, err := b.StartBuild(context.Background(), request()); err != nil {
		t.Fatal(err)
	}
	if auth := f.taken()[0].Authorization; !strings.Contains(auth, "/eu-west-1/codebuild/aws4_request") {
		t.Fatalf("authorization %q", auth)
	}
}
