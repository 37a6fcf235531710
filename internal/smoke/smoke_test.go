//go:build linux

package smoke

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/aws/cloudwatch"
	"github.com/slipway-paas/slipway/internal/aws/cloudwatchlogs"
	"github.com/slipway-paas/slipway/internal/aws/ecr"
	"github.com/slipway-paas/slipway/internal/aws/kms"
	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/aws/stepfunctions"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/dynamolocal"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/store"
)

// The variables scripts/smoke.sh sets.
const (
	envBootstraps = "SLIPWAY_SMOKE_BOOTSTRAPS" // <dir>/<LogicalId>/bootstrap, host architecture
	envRIE        = "SLIPWAY_SMOKE_RIE"        // aws-lambda-rie
	envARM64      = "SLIPWAY_SMOKE_ARM64"      // optional: <dir>/<LogicalId>/bootstrap, arm64
)

// repoRoot is the module root, seen from this package's directory.
const repoRoot = "../.."

// world is what the functions run against, and what expectations may read
// or prepare: the table, the Step Functions emulator, the CodeBuild fake,
// and values saved from earlier answers.
type world struct {
	store     *store.Store
	sfn       *sfn.Client
	codeBuild *codeBuild
	vars      map[string]string
}

// outcome is one function's line of the report.
type outcome struct {
	fn              string
	size, arm64, gz int64
	// initMS is the runtime's init (INIT REPORT), reportMS the REPORT
	// line's Init Duration (see report), firstMS and warmMS the first
	// invocation's Duration and the median of the others'.
	initMS, reportMS, firstMS, warmMS float64
	invocations, fails                int
}

func TestSmoke(t *testing.T) {
	bootstraps, rie := os.Getenv(envBootstraps), os.Getenv(envRIE)
	if bootstraps == "" || rie == "" {
		t.Skipf("%s and %s are not set: run `make smoke` (scripts/smoke.sh), which builds the bootstraps and installs aws-lambda-rie", envBootstraps, envRIE)
	}
	start := time.Now()
	ctx := context.Background()

	stop := &stopper{}
	t.Cleanup(stop.stopAll)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	t.Cleanup(func() { signal.Stop(signals) })
	go func() {
		if s, ok := <-signals; ok {
			stop.stopAll()
			fmt.Fprintf(os.Stderr, "smoke: %v: stopped every process it started\n", s)
			os.Exit(130)
		}
	}()

	plan := planFixtures(t)
	w, endpoints := startWorld(t, ctx, stop)

	var outcomes []outcome
	for _, group := range plan {
		outcomes = append(outcomes, runFunction(t, ctx, w, stop, group, bootstraps, rie, endpoints))
	}
	printReport(outcomes, time.Since(start))
}

// group is the run of consecutive expectations of one function.
type group struct {
	fn   string
	exps []expectation
}

// planFixtures checks that every fixture of events/ has exactly one
// expectation and every expectation a fixture, and groups consecutive
// expectations of one function, in order. Each group runs under an
// emulator of its own (a fresh cold start), so a function may come back
// later in the plan when the world needs another function's fixtures in
// between (the GitHub installation is unlinked after the push used it).
func planFixtures(t *testing.T) []group {
	t.Helper()
	fixtures := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(repoRoot, "events"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			rel, _ := filepath.Rel(filepath.Join(repoRoot, "events"), path)
			fixtures[strings.TrimSuffix(filepath.ToSlash(rel), ".json")] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var plan []group
	for _, e := range expectations {
		if seen[e.fixture] {
			t.Errorf("events/%s.json has two expectations", e.fixture)
		}
		seen[e.fixture] = true
		if !fixtures[e.fixture] {
			t.Errorf("expectation for events/%s.json, which does not exist: remove it or restore the fixture", e.fixture)
			continue
		}
		fn := functionOf(e.fixture)
		if n := len(plan); n > 0 && plan[n-1].fn == fn {
			plan[n-1].exps = append(plan[n-1].exps, e)
			continue
		}
		plan = append(plan, group{fn: fn, exps: []expectation{e}})
	}
	var missing []string
	for f := range fixtures {
		if !seen[f] {
			missing = append(missing, "events/"+f+".json")
		}
	}
	sort.Strings(missing)
	for _, f := range missing {
		t.Errorf("%s has no expectation: add one to internal/smoke/expectations_test.go", f)
	}
	return plan
}

// functionOf is the logical id serving a fixture: events/<group>/ belongs
// to <Group>Function (the Makefile's package naming, reversed).
func functionOf(fixture string) string {
	dir, _, _ := strings.Cut(fixture, "/")
	return strings.ToUpper(dir[:1]) + dir[1:] + "Function"
}

// startWorld starts the local endpoints, creates and seeds the table and
// the deploy state machine, and returns the endpoint variables to give the
// functions.
func startWorld(t *testing.T, ctx context.Context, stop *stopper) (*world, map[string]string) {
	t.Helper()
	dynamo, err := dynamolocal.Start()
	if err != nil {
		t.Fatal(err)
	}
	stop.add("embedded DynamoDB", func() { _ = dynamo.Close() })
	cfg := awsconf.FromEnv()
	cfg.Region = "us-east-1"
	client := store.NewClient(cfg, dynamo.Endpoint)
	table := mustFunction(t, "ApplicationsFunction", "").Env[config.EnvTableName]
	if err := store.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	st := store.New(client, table, nil)
	if err := devstack.SeedFixtures(ctx, st); err != nil {
		t.Fatal(err)
	}

	moto := os.Getenv(mototest.EndpointEnv) // scripts/smoke.sh runs the test under scripts/with-moto.sh
	if moto == "" {
		t.Fatalf("%s is not set: run `make smoke`, which starts moto_server", mototest.EndpointEnv)
	}
	w := &world{store: st, sfn: stepfunctions.NewClient(cfg, moto), codeBuild: startCodeBuild(stop), vars: map[string]string{}}
	// The functions that start pipelines name the state machine by env.json's
	// ARN: create it in moto (account 123456789012) under that name.
	arn := mustFunction(t, "DeploymentsFunction", "").Env[config.EnvStateMachineARN]
	name := arn[strings.LastIndexByte(arn, ':')+1:]
	definition := localrun.Substitute(slipway.DeployStateMachine, map[string]string{
		"PipelineFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:PipelineFunction"})
	out, err := w.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(string(definition)), RoleArn: aws.String("arn:aws:iam::123456789012:role/slipway-deploy"),
	})
	if err != nil {
		t.Fatalf("moto: creating the state machine: %v", err)
	}
	if got := aws.ToString(out.StateMachineArn); got != arn {
		t.Fatalf("moto created %s, but env.json's STATE_MACHINE_ARN is %s", got, arn)
	}
	// ApplicationsFunction seals config secrets with env.json's
	// CONFIG_KEY_ID: create that alias in moto's KMS.
	if err := createConfigKey(ctx, kms.NewClient(cfg, moto), mustFunction(t, "ApplicationsFunction", "").Env[config.EnvConfigKeyID]); err != nil {
		t.Fatalf("moto: creating the config key: %v", err)
	}
	// PipelineFunction's deploy step tags the release's image in env.json's
	// IMAGE_REPOSITORY: create it in moto's ECR with the fake build's image.
	if err := createImageRepository(ctx, ecr.NewClient(cfg, moto), mustFunction(t, "PipelineFunction", "").Env[config.EnvImageRepository]); err != nil {
		t.Fatalf("moto: creating the image repository: %v", err)
	}
	return w, map[string]string{
		config.EnvKMSEndpoint:            moto,
		config.EnvECREndpoint:            moto,
		config.EnvDynamoDBEndpoint:       dynamo.Endpoint,
		config.EnvStepFunctionsEndpoint:  moto,
		config.EnvSecretsManagerEndpoint: moto,
		cloudwatch.EnvEndpoint:           moto,
		cloudwatchlogs.EnvEndpoint:       moto,
		config.EnvCodeBuildEndpoint:      w.codeBuild.srv.URL,
	}
}

func mustFunction(t *testing.T, id, bootstrap string) function {
	t.Helper()
	fn, err := loadFunction(repoRoot, id, bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

// runFunction starts one function under the emulator and invokes its
// fixtures in order, each a subtest.
func runFunction(t *testing.T, ctx context.Context, w *world, stop *stopper, g group, bootstraps, rie string, endpoints map[string]string) outcome {
	t.Helper()
	bootstrap := filepath.Join(bootstraps, g.fn, "bootstrap")
	res := outcome{fn: g.fn, size: fileSize(bootstrap), invocations: len(g.exps), fails: len(g.exps)}
	if dir := os.Getenv(envARM64); dir != "" {
		res.arm64, res.gz = fileSize(filepath.Join(dir, g.fn, "bootstrap")), gzipSize(filepath.Join(dir, g.fn, "bootstrap"))
	}
	fn, err := loadFunction(repoRoot, g.fn, bootstrap)
	if err != nil {
		t.Errorf("%s: %v", g.fn, err)
		return res
	}
	for k, v := range fn.Env {
		if local, ok := endpoints[k]; ok {
			fn.Env[k] = local
		} else if strings.HasSuffix(k, "_ENDPOINT") && v != "" {
			t.Errorf("%s: %s=%s has no local endpoint in the smoke test: add one (it would reach the real service)", g.fn, k, v)
			return res
		}
	}
	em, err := startEmulator(rie, fn, stop)
	if err != nil {
		t.Errorf("%v", err)
		return res
	}
	defer em.stop()
	res.fails = 0
	var warm []float64
	for i, e := range g.exps {
		ok := t.Run(e.fixture, func(t *testing.T) {
			r := e.run(t, ctx, w, em)
			switch {
			case i > 0:
				warm = append(warm, r.Duration)
			case r.InitDuration == 0 || r.RuntimeInit == 0:
				t.Errorf("the first invocation has no Init Duration in its REPORT line or no INIT REPORT: %+v", r)
			default:
				res.initMS, res.reportMS, res.firstMS = r.RuntimeInit, r.InitDuration, r.Duration
			}
		})
		if !ok {
			res.fails++
		}
	}
	res.warmMS = median(warm)
	if t.Failed() {
		t.Logf("%s: output of the emulator and the function:\n%s", g.fn, em.output())
	}
	return res
}

// run invokes the expectation's fixture and checks the answer.
func (e expectation) run(t *testing.T, ctx context.Context, w *world, em *emulator) report {
	event, err := os.ReadFile(filepath.Join(repoRoot, "events", e.fixture+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if e.before != nil {
		if err := e.before(ctx, w); err != nil {
			t.Fatalf("preparing: %v", err)
		}
	}
	status, payload, rep, err := em.invoke(ctx, event)
	if err != nil {
		t.Fatalf("invoking: %v (payload %s)", err, payload)
	}
	if status != 200 {
		t.Fatalf("the emulator answered %d: %s", status, payload)
	}
	a, err := decode(payload, e.direct())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.want(a) {
		if err := c(w, a); err != nil {
			t.Errorf("%v\n  answer: %s", err, a.summary())
		}
	}
	if e.after != nil && !t.Failed() {
		if err := e.after(ctx, w); err != nil {
			t.Errorf("afterwards: %v", err)
		}
	}
	return rep
}

// answer is one invocation's result, decoded.
type answer struct {
	payload []byte
	http    *events.APIGatewayV2HTTPResponse // HTTP API events
	body    []byte                           // the HTTP body, base64 decoded
	doc     any                              // the JSON checked: the HTTP body or the payload
}

func decode(payload []byte, direct bool) (answer, error) {
	a := answer{payload: payload}
	if direct {
		return a, json.Unmarshal(payload, &a.doc)
	}
	a.http = &events.APIGatewayV2HTTPResponse{}
	if err := json.Unmarshal(payload, a.http); err != nil || a.http.StatusCode == 0 {
		return a, fmt.Errorf("not an API Gateway v2 response (%v): %s", err, payload)
	}
	a.body = []byte(a.http.Body)
	if a.http.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(a.http.Body)
		if err != nil {
			return a, fmt.Errorf("body: %w", err)
		}
		a.body = b
	}
	if strings.Contains(a.header("Content-Type"), "json") {
		if err := json.Unmarshal(a.body, &a.doc); err != nil {
			return a, fmt.Errorf("a JSON content type with a body that is not JSON: %s", a.body)
		}
	}
	return a, nil
}

func (a answer) header(name string) string {
	for k, v := range a.http.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (a answer) summary() string {
	if a.http == nil {
		return string(a.payload)
	}
	body := string(a.body)
	if len(body) > 400 {
		body = body[:400] + "…"
	}
	return fmt.Sprintf("%d %s", a.http.StatusCode, body)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = append([]float64(nil), xs...)
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// gzipSize is the file's size gzipped at the best compression (close to
// what a deployment zip weighs).
func gzipSize(path string) int64 {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	return int64(buf.Len())
}

func printReport(outcomes []outcome, wall time.Duration) {
	mb := func(n int64) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	ms := func(x float64) string {
		if x == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f ms", x)
	}
	fmt.Fprintln(tw, "\nfunction\tbootstrap (host)\tarm64\tarm64 gzipped\tinit (INIT REPORT)\tREPORT Init Duration\tfirst invocation\twarm p50\tinvocations\tresult")
	for _, o := range outcomes {
		result := "pass"
		if o.fails > 0 {
			result = fmt.Sprintf("FAIL (%d)", o.fails)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", o.fn, mb(o.size), mb(o.arm64), mb(o.gz),
			ms(o.initMS), ms(o.reportMS), ms(o.firstMS), ms(o.warmMS), o.invocations, result)
	}
	_ = tw.Flush()
	fmt.Printf("smoke: %d functions, %.1fs in the test. init: the emulator's INIT REPORT, bootstrap start to its first\n"+
		"request for work (Lambda's Init Duration); its REPORT line's Init Duration times only its own asynchronous Init call.\n",
		len(outcomes), wall.Seconds())
}

// createConfigKey creates a KMS key under alias (an alias that exists
// already is kept: moto may be shared).
func createConfigKey(ctx context.Context, client *awskms.Client, alias string) error {
	if _, err := client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(alias)}); err == nil {
		return nil
	}
	key, err := client.CreateKey(ctx, &awskms.CreateKeyInput{Description: aws.String("slipway smoke config key")})
	if err != nil {
		return err
	}
	_, err = client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId})
	return err
}
