package slipway_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// TestEveryAlarmNotifies: each alarm of the template has the SNS topic as
// its action, so a firing alarm reaches someone.
func TestEveryAlarmNotifies(t *testing.T) {
	tpl := readYAML(t, "template.yaml")
	n := 0
	for id, r := range m(tpl["Resources"]) {
		if m(r)["Type"] != "AWS::CloudWatch::Alarm" {
			continue
		}
		n++
		actions, _ := m(m(r)["Properties"])["AlarmActions"].([]any)
		if !slices.Contains(actions, any("AlarmTopic")) {
			t.Errorf("alarm %s does not notify AlarmTopic: %v", id, actions)
		}
	}
	for _, id := range []string{"PipelineEventsDeadLetterAlarm", "PipelineExecutionsFailedAlarm", "PipelineExecutionsTimedOutAlarm"} {
		if m(m(tpl["Resources"])[id])["Type"] != "AWS::CloudWatch::Alarm" {
			t.Errorf("alarm %s is missing", id)
		}
	}
	if n == 0 || m(m(tpl["Resources"])["AlarmTopic"])["Type"] != "AWS::SNS::Topic" {
		t.Fatalf("%d alarms, topic %v", n, m(tpl["Resources"])["AlarmTopic"])
	}
}

// TestFirstCreateLeavesNothingBehind: the resources kept when the stack
// is deleted are removed when its first create fails.
func TestFirstCreateLeavesNothingBehind(t *testing.T) {
	tpl := readYAML(t, "template.yaml")
	for _, id := range []string{"Table", "ImageRepository"} {
		if p := m(m(tpl["Resources"])[id])["DeletionPolicy"]; p != "RetainExceptOnCreate" {
			t.Errorf("%s: DeletionPolicy %v", id, p)
		}
	}
}

// deployDefinition is the state machine definition.
func deployDefinition(t *testing.T) map[string]any {
	t.Helper()
	var def map[string]any
	if err := json.Unmarshal(readFile(t, "infra/statemachine/deploy.asl.json"), &def); err != nil {
		t.Fatal(err)
	}
	return def
}

// TestExecutionTimeoutCoversTheLongestPipeline: the execution's timeout
// outlasts the longest legitimate pipeline (a build that queues and runs
// as long as the template lets CodeBuild, then a rollout as long as the
// longest deployment_timeout), plus a task timeout for each of ten steps,
// so that only a stuck execution times out.
func TestExecutionTimeoutCoversTheLongestPipeline(t *testing.T) {
	tpl := readYAML(t, "template.yaml")
	build := m(m(tpl["Parameters"])["BuildTimeoutMinutes"])["MaxValue"]
	queued := m(m(m(tpl["Resources"])["BuildProject"])["Properties"])["QueuedTimeoutInMinutes"]
	buildMax, err1 := strconv.Atoi(toString(build))
	queueMax, err2 := strconv.Atoi(toString(queued))
	if err1 != nil || err2 != nil {
		t.Fatalf("BuildTimeoutMinutes.MaxValue %v, QueuedTimeoutInMinutes %v", build, queued)
	}
	need := (buildMax+queueMax)*60 + platform.MaxDeploymentTimeout + 10*60
	got, _ := deployDefinition(t)["TimeoutSeconds"].(float64)
	if int(got) < need {
		t.Fatalf("the execution times out after %v s, before the longest legitimate pipeline (%d s)", got, need)
	}
}

// TestTaskRetriesCoverLambdaClientTimeouts: every Retry of Lambda's own
// errors also retries Lambda.ClientExecutionTimeoutException.
func TestTaskRetriesCoverLambdaClientTimeouts(t *testing.T) {
	lists := 0
	for name, st := range m(deployDefinition(t)["States"]) {
		retries, _ := m(st)["Retry"].([]any)
		for _, r := range retries {
			errs, _ := m(r)["ErrorEquals"].([]any)
			if !slices.Contains(errs, any("Lambda.ServiceException")) {
				continue
			}
			lists++
			if !slices.Contains(errs, any("Lambda.ClientExecutionTimeoutException")) {
				t.Errorf("state %s retries Lambda errors but not Lambda.ClientExecutionTimeoutException: %v", name, errs)
			}
		}
	}
	if lists == 0 {
		t.Fatal("no Retry of Lambda errors found")
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// TestClusterCallersCanRunInTheClustersVPC: the two functions that call
// the Kubernetes API get an optional VpcConfig (for a private endpoint)
// from the EksVpc* parameters, with the network-interface permissions
// Lambda needs for it.
func TestClusterCallersCanRunInTheClustersVPC(t *testing.T) {
	tpl := readYAML(t, "template.yaml")
	for _, p := range []string{"EksVpcSubnetIds", "EksVpcSecurityGroupIds"} {
		if m(m(tpl["Parameters"])[p])["Default"] != "" {
			t.Errorf("parameter %s: want an optional (empty by default) parameter", p)
		}
	}
	for _, fn := range []string{"ApplicationsFunction", "PipelineFunction"} {
		props := m(m(m(tpl["Resources"])[fn])["Properties"])
		cond, _ := props["VpcConfig"].([]any) // !If [HasVpc, {...}, AWS::NoValue], its tag stripped
		if len(cond) != 3 || cond[0] != "HasVpc" || m(cond[1])["SubnetIds"] == nil || cond[2] != "AWS::NoValue" {
			t.Errorf("%s: VpcConfig %v, want !If HasVpc", fn, props["VpcConfig"])
		}
		b, _ := json.Marshal(props["Policies"])
		if !strings.Contains(string(b), "ec2:CreateNetworkInterface") {
			t.Errorf("%s: no network-interface permissions for its VPC", fn)
		}
	}
}
