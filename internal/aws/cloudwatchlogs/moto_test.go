package cloudwatchlogs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/platform"
)

const (
	appID      = "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"
	pipelineID = "0190f0c5-0000-7000-8000-000000000001"
	buildRef   = "slipway-images:0b8e8f0a-0000-4000-8000-000000000001"
)

// oneBuild is a CodeBuild whose one build writes to group/stream.
type oneBuild struct{ group, stream string }

func (b oneBuild) BatchGetBuilds(_ context.Context, in *cb.BatchGetBuildsInput, _ ...func(*cb.Options)) (*cb.BatchGetBuildsOutput, error) {
	if len(in.Ids) != 1 || in.Ids[0] != buildRef {
		return &cb.BatchGetBuildsOutput{}, nil
	}
	return &cb.BatchGetBuildsOutput{Builds: []cbtypes.Build{{Id: aws.String(buildRef),
		Logs: &cbtypes.LogsLocation{GroupName: aws.String(b.group), StreamName: aws.String(b.stream)}}}}, nil
}

type fixture struct {
	t      *testing.T
	ctx    context.Context
	client *cwl.Client
	base   time.Time
}

func (f fixture) put(group, stream string, messages ...string) {
	f.t.Helper()
	_, _ = f.client.CreateLogGroup(f.ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)})
	_, _ = f.client.CreateLogStream(f.ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)})
	var events []types.InputLogEvent
	for i, m := range messages {
		events = append(events, types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(f.base.Add(time.Duration(i) * time.Second).UnixMilli())})
	}
	if _, err := f.client.PutLogEvents(f.ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		f.t.Fatalf("PutLogEvents: %v", err)
	}
}

func pipelineEvent(stage, msg string) string {
	b, _ := json.Marshal(PipelineLine{Stage: stage, Message: msg})
	return string(b)
}

func containerEvent(ns, pod, container, log string) string {
	var r containerRecord
	r.Log, r.Kubernetes.NamespaceName, r.Kubernetes.PodName, r.Kubernetes.ContainerName = log+"\n", ns, pod, container
	b, _ := json.Marshal(r)
	return string(b)
}

func messagesOf(p platform.LogPage) string {
	var m []string
	for _, l := range p.Lines {
		m = append(m, l.Stage+l.Process+":"+l.Message)
	}
	return strings.Join(m, ",")
}

// TestMoto writes a build stream, a pipeline stream and container lines
// into the emulator's CloudWatch Logs and reads them through Source; it
// is skipped unless SLIPWAY_TEST_MOTO_ENDPOINT is set.
func TestMoto(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	f := fixture{t: t, ctx: ctx, client: NewClient(awsconf.FromEnv(), endpoint, func(o *cwl.Options) { o.RetryMaxAttempts = 1 }),
		base: time.Now().Add(-10 * time.Minute).Truncate(time.Second)}
	buildGroup, pipelineGroup, runtimeGroup := mototest.Name("/aws/codebuild/t-"), mototest.Name("/slipway/t-"), mototest.Name("/aws/containerinsights/t-")
	f.put(buildGroup, "b1", "Step 1/2 : FROM x", "Step 2/2 : RUN make", "pushed")
	// The pipeline's own lines go through Writer, which makes the stream.
	_, _ = f.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(pipelineGroup)})
	writer := Writer{Client: f.client, Group: pipelineGroup}
	writer.Pipeline(appID, pipelineID, "release", f.base, "migrating")
	writer.Pipeline(appID, pipelineID, "deploy", f.base.Add(time.Second), "pod/a: Ready")
	f.put(runtimeGroup, "shop-web-web-5d9c7b6f4-abcde_slipway-acme_web-0123",
		containerEvent("slipway-acme", "shop-web-web-5d9c7b6f4-abcde", "web", "GET / 200"),
		containerEvent("slipway-acme", "shop-web-web-5d9c7b6f4-abcde", "web", "GET /x 404"))
	f.put(runtimeGroup, "shop-web-api-web-5d9c7b6f4-fghij_slipway-acme_web-4567", // another application whose name extends ours
		containerEvent("slipway-acme", "shop-web-api-web-5d9c7b6f4-fghij", "web", "not ours"))
	f.put(runtimeGroup, "shop-web-web-5d9c7b6f4-klmno_slipway-globex_web-89ab", // another organization's namespace
		containerEvent("slipway-globex", "shop-web-web-5d9c7b6f4-klmno", "web", "not ours either"))

	src := Source{Logs: f.client, Builds: oneBuild{buildGroup, "b1"}, PipelineGroup: pipelineGroup, RuntimeGroup: runtimeGroup}
	q := platform.LogQuery{ApplicationID: appID, PipelineID: pipelineID, BuildRef: buildRef, Limit: 2}
	var pages []string
	for range 4 {
		page, err := src.Read(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, messagesOf(page))
		q.Position = page.Position
	}
	want := []string{"build:Step 1/2 : FROM x,build:Step 2/2 : RUN make", "build:pushed,release:migrating", "deploy:pod/a: Ready", ""}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Fatalf("pipeline pages %q, want %q", pages, want)
	}
	deploy, err := src.Read(ctx, platform.LogQuery{ApplicationID: appID, PipelineID: pipelineID, BuildRef: buildRef, Stage: "deploy"})
	if err != nil || messagesOf(deploy) != "deploy:pod/a: Ready" {
		t.Fatalf("deploy stage: %v %q", err, messagesOf(deploy))
	}
	missing, err := src.Read(ctx, platform.LogQuery{ApplicationID: appID, PipelineID: "0190f0c5-0000-7000-8000-00000000000f"})
	if err != nil || len(missing.Lines) != 0 {
		t.Fatalf("a pipeline without streams: %v %+v", err, missing)
	}

	rq := platform.LogQuery{ApplicationID: appID, Namespace: "slipway-acme", Workload: "shop-web", Since: f.base.Add(-time.Hour)}
	rt, err := src.Read(ctx, rq)
	if err != nil || messagesOf(rt) != "web:GET / 200,web:GET /x 404" {
		t.Fatalf("runtime: %v %q", err, messagesOf(rt))
	}
	if l := rt.Lines[0]; l.Instance != "shop-web-web-5d9c7b6f4-abcde" || !l.Time.Equal(f.base) {
		t.Fatalf("runtime line %+v", l)
	}
	rq.Position = rt.Position
	again, err := src.Read(ctx, rq)
	if err != nil || len(again.Lines) != 0 {
		t.Fatalf("follow returned old lines: %v %q", err, messagesOf(again))
	}
	later := f
	later.base = f.base.Add(5 * time.Second)
	later.put(runtimeGroup, "shop-web-web-5d9c7b6f4-abcde_slipway-acme_web-0123b",
		containerEvent("slipway-acme", "shop-web-web-5d9c7b6f4-abcde", "web", "GET /new 200"))
	next, err := src.Read(ctx, rq)
	if err != nil || messagesOf(next) != "web:GET /new 200" {
		t.Fatalf("follow: %v %q", err, messagesOf(next))
	}
}
