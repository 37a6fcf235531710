package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

type fakeLambda struct {
	in     *lambda.InvokeInput
	status int32
	err    error
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.in = in
	return &lambda.InvokeOutput{StatusCode: f.status}, f.err
}

func TestTriggerRouteCheck(t *testing.T) {
	f := &fakeLambda{status: 202}
	tr := RouteTrigger{Client: f, FunctionName: "slipway-PipelineFunction"}
	if err := tr.TriggerRouteCheck(context.Background(), "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"); err != nil {
		t.Fatal(err)
	}
	var p map[string]string
	if err := json.Unmarshal(f.in.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(f.in.FunctionName) != "slipway-PipelineFunction" || f.in.InvocationType != types.InvocationTypeEvent ||
		p["step"] != "check_routes" || p["application_id"] != "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d" {
		t.Fatalf("invocation %+v payload %v", f.in, p)
	}
	for _, bad := range []*fakeLambda{{err: errors.New("throttled")}, {status: 200}} {
		if err := (RouteTrigger{Client: bad, FunctionName: "f"}).TriggerRouteCheck(context.Background(), "x"); !platform.IsCode(err, platform.CodeUnavailable) {
			t.Errorf("%+v: %v, want unavailable", bad, err)
		}
	}
	if err := (RouteTrigger{Client: f}).TriggerRouteCheck(context.Background(), "x"); !platform.IsCode(err, platform.CodeUnavailable) {
		t.Errorf("no function: %v", err)
	}
}
