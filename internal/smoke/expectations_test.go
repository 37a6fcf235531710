//go:build linux

package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/platform"
)

// Ids the pipeline fixtures (events/pipeline/) name.
const (
	appID        = devstack.FixtureApplicationID
	fixtureImage = devstack.FixtureImageID
	fixtureBuild = "slipway-images:0b6c7d5e-2f1a-4c3b-9d8e-7f6a5b4c3d2e"
)

// expectations are every fixture of events/, in the order they are
// invoked: later ones see what earlier ones did (the pipeline steps run on
// the settings update-settings stored; Deploy's pipeline makes the push
// find its application busy). The answers are status (HTTP API events) or
// the payload / errorType (direct invocations), and checks on the JSON.
var expectations = []expectation{
	// ApplicationsFunction, in the world devstack.SeedFixtures made.
	{fixture: "applications/healthz", status: 200, checks: []check{eq("ok", true)}},
	{fixture: "applications/openapi", status: 200, checks: []check{text("openapi: "), text("/applications/{application_id}/deploy:")}},
	{fixture: "applications/create-organization", status: 409, checks: problem("conflict", "organization slug")},
	{fixture: "applications/list-organizations", status: 200, checks: []check{eq("items.0.slug", "demo")}},
	{fixture: "applications/me", status: 200, checks: []check{eq("role", "platform"), eq("organization_slug", nil), uuid("token_id"), absent("token")}},
	{fixture: "applications/create-project", status: 409, checks: problem("conflict", "project slug")},
	{fixture: "applications/list-projects", status: 200, checks: []check{eq("items.0.id", devstack.FixtureProjectID), eq("items.0.slug", "demo")}},
	{fixture: "applications/create-application", status: 409, checks: problem("conflict", "application slug")},
	{fixture: "applications/list-applications", status: 200, checks: []check{eq("0.id", appID), eq("0.slug", "web"), eq("0.project_id", devstack.FixtureProjectID)}},
	{fixture: "applications/get-application", status: 200, checks: []check{eq("id", appID), eq("slug", "web"), header("ETag", `"v`)}},
	{fixture: "applications/get-application-named-stage", status: 200, checks: []check{eq("id", appID), eq("slug", "web")}},
	{fixture: "applications/link-github-installation", status: 200, checks: []check{
		eq("installation_id", devstack.FixtureInstallationID), eq("account", nil),
	}},
	{fixture: "applications/list-github-installations", status: 200, checks: []check{
		length("items", 1), eq("items.0.installation_id", devstack.FixtureInstallationID),
	}},
	{fixture: "applications/get-application-by-id", status: 200, checks: []check{eq("id", appID), eq("slug", "web"), header("ETag", `"v`)}},
	{fixture: "applications/update-settings", status: 200, checks: []check{
		eq("github_repository", "slipway-paas/demo-web"), eq("auto_deploy_branch", "main"),
		eq("github_app_installation_id", devstack.FixtureInstallationID),
		eq("deployment_timeout", 300), eq("health_check_path", "/_health/"),
	}},
	{fixture: "applications/scale", status: 200, checks: []check{eq("process_counts.web", 2), eq("process_pod_classes.web", "m1.small")}},
	{fixture: "applications/scale-base64", status: 200, checks: []check{eq("process_counts.web", 2), eq("process_pod_classes.web", "m1.small")}},
	// Config: the PATCH seals SESSION_KEY through moto's KMS (the key
	// env.json's CONFIG_KEY_ID names, created by the world); no answer holds
	// its value.
	{fixture: "applications/patch-config", status: 200, checks: []check{
		eq("version", 1), eq("vars.LOG_LEVEL.value", "info"), eq("vars.SESSION_KEY.secret", true), eq("vars.SESSION_KEY.scope", "both"),
		isNull("vars.SESSION_KEY.value"), prefix("vars.SESSION_KEY.fingerprint", "hmac-sha256:"), header("ETag", `"c1"`), lacks(fixtureSecret),
	}},
	{fixture: "applications/get-config", status: 200, checks: []check{eq("version", 1), isNull("vars.SESSION_KEY.value"), header("ETag", `"c1"`), lacks(fixtureSecret)}},
	{fixture: "applications/list-config-versions", status: 200, checks: []check{
		length("items", 1), eq("items.0.version", 1), eq("items.0.changes.added", []string{"LOG_LEVEL", "SESSION_KEY"}), lacks(fixtureSecret),
	}},
	// Custom domains: added pending with its CNAME to the default host (no
	// ingress has reported a load balancer), listed, removed (the route
	// check cannot be started without ROUTE_CHECK_FUNCTION: logged only).
	{fixture: "applications/add-domain", status: 201, checks: []check{
		eq("hostname", "www.example.com"), eq("status", "pending"), isNull("detail"),
		eq("dns_records.0.type", "CNAME"), eq("dns_records.0.name", "www.example.com"), eq("dns_records.0.value", "web-demo-demo.apps.localhost"),
	}},
	{fixture: "applications/list-domains", status: 200, checks: []check{length("items", 1), eq("items.0.hostname", "www.example.com")}},
	{fixture: "applications/remove-domain", status: 204},
	{fixture: "applications/create-token", status: 201, checks: []check{prefix("token", "slw_"), eq("name", "ci"), eq("role", "admin"), uuid("id")}},
	// Newest first: the token create-token made, never used, without its secret.
	{fixture: "applications/list-tokens", status: 200, checks: []check{
		eq("items.0.name", "ci"), eq("items.0.role", "admin"), eq("items.0.last_used", nil), uuid("items.0.id"), absent("items.0.token"),
	}},
	{fixture: "applications/revoke-token", status: 204},
	// An application id that does not exist (deleting the fixtures' own
	// application would take the world from the fixtures after it).
	{fixture: "applications/delete-application", status: 404, checks: problem("not_found", "application not found")},

	// PipelineFunction: the state machine's steps for the pipeline of image
	// …d0 (which the fixtures name and before() starts, as Full Deploy
	// would have), CodeBuild being the fake and no cluster configured
	// (EKS_ENDPOINT is empty in env.json).
	{fixture: "pipeline/start_build", before: startFixturePipeline, checks: []check{
		eq("build_ref", "slipway-images:"+fixtureImage), eq("poll_seconds", 2), eq("image_id", fixtureImage),
	}, after: codeBuildGot("StartBuild", "projectName", "slipway-images")},
	{fixture: "pipeline/check_build", checks: []check{eq("build_done", true), eq("build_polls", 1)},
		after: codeBuildGot("BatchGetBuilds", "ids", []any{fixtureBuild})},
	{fixture: "pipeline/create_release", checks: []check{uuid("release_id"), eq("build_done", true)}},
	// The fake build's Procfile declares a release process: its job needs the cluster.
	{fixture: "pipeline/start_release_command", fails: "errorString", checks: []check{has("errorMessage", "no cluster is configured")}},
	{fixture: "pipeline/check_release_command", fails: "errorString", checks: []check{has("errorMessage", "no cluster is configured")}},
	{fixture: "pipeline/deploy", fails: "errorString", checks: []check{has("errorMessage", "no cluster is configured")}},
	{fixture: "pipeline/check_rollout", fails: "errorString", checks: []check{has("errorMessage", "no cluster is configured")}},
	// It declares no postdeploy process: nothing to run.
	{fixture: "pipeline/start_postdeploy", checks: []check{eq("postdeploy_done", true)}},
	{fixture: "pipeline/check_postdeploy", checks: []check{eq("postdeploy_done", true)}},
	{fixture: "pipeline/finish", checks: []check{eq("rollout_done", true), eq("image_id", fixtureImage)}},
	{fixture: "pipeline/mark_failed", checks: []check{eq("failure.Error", "BuildError"), eq("image_id", fixtureImage)}},
	{fixture: "pipeline/execution-status-change", checks: []check{eq("marked_failed", true)}},

	// DeploymentsFunction: a real start in moto's Step Functions.
	{fixture: "deployments/deploy", status: 202, checks: []check{eq("ok", true), uuid("image_id"), save("image_id", "deploy_image")},
		after: executionRunning("deploy_image")},
	{fixture: "deployments/pipeline-status", status: 200, checks: []check{eqVar("build.id", "deploy_image"), eq("build.status", "in_progress"), eq("build.version", 2)}},
	{fixture: "deployments/list-deployments", status: 200, checks: []check{
		length("items", 1), eq("items.0.status", "complete"), eq("items.0.commit_sha", fakeCommitSHA), eq("items.0.triggered_by", "smoke"),
	}},
	{fixture: "deployments/pipeline-metrics", status: 200, checks: []check{
		eq("build.total", 1), eq("build.success", 1), eq("build.history.0.id", fixtureImage), eq("deploy.total", 1),
	}},
	// While deploy_image runs, a release or rollback is a 409 naming it; the
	// fixtures' own pipeline ended (mark_failed): cancelling it is a 409.
	{fixture: "deployments/create-release", status: 409, checks: append(problem("conflict", "still running"), eqVar("pipeline_id", "deploy_image"))},
	{fixture: "deployments/rollback", status: 409, checks: append(problem("conflict", "still running"), eqVar("pipeline_id", "deploy_image"))},
	{fixture: "deployments/cancel-pipeline", status: 409, checks: problem("conflict", "has already ended")},
	{fixture: "deployments/list-releases", status: 200, checks: []check{length("items", 1), eq("items.0.version", 1), eq("items.0.image_id", fixtureImage)}},
	{fixture: "deployments/list-images", status: 200, checks: []check{
		length("items", 2), eqVar("items.0.id", "deploy_image"), eq("items.0.status", "in_progress"), eq("items.1.id", fixtureImage),
	}},

	// ObservabilityFunction: no cluster name, so no series are read.
	{fixture: "observability/get-observability", status: 200, checks: []check{eq("range", "24h"), eq("step_seconds", 300), eq("history.0.cpu_usage_m", nil)}},
	// The fixtures' pipeline wrote no rollout line (moto has no such stream); no cluster, so
	// no runtime log group.
	{fixture: "observability/get-pipeline-logs", status: 200, checks: []check{length("lines", 0), text(`"next_cursor":"`)}},
	{fixture: "observability/get-runtime-logs", status: 200, checks: []check{length("lines", 0), text(`"next_cursor":"`)}},

	// UiFunction: the dashboard's page and its redirect, with the page's headers (not API routes).
	{fixture: "ui/redirect", status: 308, checks: []check{header("Location", "/ui/")}},
	{fixture: "ui/application-page", status: 200, checks: []check{
		text("<title>Slipway</title>"), text(`src="/ui/assets/app.`), header("Content-Type", "text/html"),
		header("Content-Security-Policy", "default-src 'self'"), header("X-Content-Type-Options", "nosniff"), header("Cache-Control", "no-cache"),
	}},

	// WebhooksFunction, signed with env.json's SLIPWAY_GITHUB_WEBHOOK_SECRET.
	{fixture: "webhooks/ping", status: 200, checks: []check{eq("ok", true)}},
	{fixture: "webhooks/bad-signature", status: 401, checks: problem("unauthorized", "X-Hub-Signature-256 is invalid")},
	{fixture: "webhooks/push", status: 200, checks: []check{eq("ok", true), eq("delivery", "3f0e1a20-caf1-11ef-8a3b-6c1f2e9d0a11"),
		func(w *world, a answer) error {
			return eq("applications."+appID, "queued")(w, a) // deploy_image still runs
		}}},

	// Last, as it takes the installation from the application.
	{fixture: "applications/unlink-github-installation", status: 204},
}

// expectation is what invoking one fixture must answer.
type expectation struct {
	fixture string // events/<fixture>.json
	// status is the API Gateway response's statusCode; 0 for direct
	// invocations (events/pipeline/).
	status int
	// fails is the errorType a direct invocation must fail with; "" when it
	// must succeed.
	fails  string
	checks []check
	// before prepares the world; after checks it (the emulators, the fakes).
	before, after func(context.Context, *world) error
}

func (e expectation) direct() bool { return e.status == 0 }

// want is every check of the answer: the expectation's own, after the
// status (HTTP) or error type (direct), and the headers every HTTP answer
// carries.
func (e expectation) want(a answer) []check {
	if e.direct() {
		return append([]check{eq("errorType", optional(e.fails))}, e.checks...)
	}
	base := []check{status(e.status), header("X-Request-Id", "")}
	if e.status >= 400 {
		base = append(base, header("Content-Type", "application/problem+json"))
	}
	return append(base, e.checks...)
}

// optional is nil (absent) for "", else the string.
func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// check is one assertion on an answer.
type check func(*world, answer) error

func status(want int) check {
	return func(_ *world, a answer) error {
		if a.http.StatusCode != want {
			return fmt.Errorf("status %d, want %d", a.http.StatusCode, want)
		}
		return nil
	}
}

// header checks a header is set and contains sub.
func header(name, sub string) check {
	return func(_ *world, a answer) error {
		if v := a.header(name); v == "" || !strings.Contains(v, sub) {
			return fmt.Errorf("header %s = %q, want it set and containing %q", name, v, sub)
		}
		return nil
	}
}

// text checks the raw HTTP body contains sub.
func text(sub string) check {
	return func(_ *world, a answer) error {
		if !strings.Contains(string(a.body), sub) {
			return fmt.Errorf("the body does not contain %q", sub)
		}
		return nil
	}
}

// fixtureSecret is the secret value events/applications/patch-config.json
// sets.
const fixtureSecret = "fixture-input-not-a-real-secret"

// lacks checks the raw HTTP body does not contain sub.
func lacks(sub string) check {
	return func(_ *world, a answer) error {
		if strings.Contains(string(a.body), sub) {
			return fmt.Errorf("the body contains %q", sub)
		}
		return nil
	}
}

// isNull checks the value at path is present and JSON null.
func isNull(path string) check {
	return func(_ *world, a answer) error {
		if v, ok := at(a, path); !ok || v != nil {
			return fmt.Errorf("%s = %v (present %v), want null", path, v, ok)
		}
		return nil
	}
}

// problem checks an RFC 9457 problem document's code and detail.
func problem(code, detail string) []check {
	return []check{eq("code", code), has("detail", detail), present("request_id")}
}

// at is the value at a dotted path of the answer's JSON ("items.0.slug").
func at(a answer, path string) (any, bool) {
	v := a.doc
	for _, key := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = node[key]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// on makes a check of the value at path; a missing path fails it.
func on(path string, test func(w *world, v any) error) check {
	return func(w *world, a answer) error {
		v, ok := at(a, path)
		if !ok {
			return fmt.Errorf("%s: missing", path)
		}
		if err := test(w, v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
}

// eq checks the value at path equals want (compared as JSON); want nil
// also accepts a missing path.
func eq(path string, want any) check {
	return func(w *world, a answer) error {
		got, ok := at(a, path)
		if !ok && want == nil {
			return nil
		}
		if !ok {
			return fmt.Errorf("%s: missing, want %v", path, want)
		}
		raw, _ := json.Marshal(want)
		var norm any
		_ = json.Unmarshal(raw, &norm)
		if !reflect.DeepEqual(got, norm) {
			return fmt.Errorf("%s = %v, want %v", path, got, want)
		}
		return nil
	}
}

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%v is not a string", v)
	}
	return s, nil
}

func has(path, sub string) check {
	return on(path, func(_ *world, v any) error {
		if s, err := str(v); err != nil || !strings.Contains(s, sub) {
			return fmt.Errorf("%v does not contain %q", v, sub)
		}
		return nil
	})
}

func prefix(path, p string) check {
	return on(path, func(_ *world, v any) error {
		if s, err := str(v); err != nil || !strings.HasPrefix(s, p) {
			return fmt.Errorf("%v does not start with %q", v, p)
		}
		return nil
	})
}

// absent checks that the answer has nothing at path.
func absent(path string) check {
	return func(_ *world, a answer) error {
		if v, ok := at(a, path); ok {
			return fmt.Errorf("%s: present (%v), want absent", path, v)
		}
		return nil
	}
}

func present(path string) check { return on(path, func(*world, any) error { return nil }) }

func uuid(path string) check {
	return on(path, func(_ *world, v any) error {
		if s, err := str(v); err != nil || !platform.IsUUID(s) {
			return fmt.Errorf("%v is not a UUID", v)
		}
		return nil
	})
}

func length(path string, n int) check {
	return on(path, func(_ *world, v any) error {
		if items, ok := v.([]any); !ok || len(items) != n {
			return fmt.Errorf("%v: want %d items", v, n)
		}
		return nil
	})
}

// save keeps the string at path as w.vars[name] for later expectations.
func save(path, name string) check {
	return on(path, func(w *world, v any) error {
		s, err := str(v)
		w.vars[name] = s
		return err
	})
}

// eqVar checks the value at path equals a saved one.
func eqVar(path, name string) check {
	return on(path, func(w *world, v any) error {
		if s, _ := str(v); s == "" || s != w.vars[name] {
			return fmt.Errorf("%v, want %s = %q", v, name, w.vars[name])
		}
		return nil
	})
}

// startFixturePipeline records the in-progress image of the fixtures'
// pipeline, as Full Deploy does before it starts the execution the steps
// belong to.
func startFixturePipeline(ctx context.Context, w *world) error {
	return devstack.StartFixturePipeline(ctx, w.store, "smoke")
}

// codeBuildGot checks the function sent CodeBuild exactly one signed
// request since the last check: op, with field = want.
func codeBuildGot(op, field string, want any) func(context.Context, *world) error {
	return func(_ context.Context, w *world) error {
		reqs := w.codeBuild.take()
		if len(reqs) != 1 || reqs[0].Operation != op || !reqs[0].Signed {
			return fmt.Errorf("CodeBuild received %+v, want one signed %s", reqs, op)
		}
		raw, _ := json.Marshal(want)
		var norm any
		_ = json.Unmarshal(raw, &norm)
		if got := reqs[0].Body[field]; !reflect.DeepEqual(got, norm) {
			return fmt.Errorf("CodeBuild %s: %s = %v, want %v", op, field, got, want)
		}
		return nil
	}
}

// executionRunning checks the Step Functions emulator has a running
// execution named after the saved image id, for the fixtures' application.
func executionRunning(name string) func(context.Context, *world) error {
	return func(ctx context.Context, w *world) error {
		image := w.vars[name]
		machines, err := w.sfn.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
		if err != nil || len(machines.StateMachines) != 1 {
			return fmt.Errorf("listing state machines: %v %v", machines, err)
		}
		arn := strings.Replace(aws.ToString(machines.StateMachines[0].StateMachineArn), ":stateMachine:", ":execution:", 1) + ":" + image
		out, err := w.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("execution %s: %w", arn, err)
		}
		var input struct {
			ApplicationID string `json:"application_id"`
			ImageID       string `json:"image_id"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.Input)), &input); err != nil {
			return err
		}
		if out.Status != "RUNNING" || input.ApplicationID != appID || input.ImageID != image {
			return errors.New("execution " + arn + ": status " + string(out.Status) + ", input " + aws.ToString(out.Input))
		}
		return nil
	}
}
