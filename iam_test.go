package slipway_test

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/store"
)

// ---------------------------------------------------------------- IAM

// unscopable lists the actions AWS authorizes only with Resource "*" (they
// have no resource types in the Service Authorization Reference): the only
// actions a statement with Resource "*" may grant.
var unscopable = map[string]string{
	// X-Ray: trace upload and sampling are account-wide (what Tracing: Active needs).
	"xray:PutTraceSegments":    "no resource types",
	"xray:PutTelemetryRecords": "no resource types",
	"xray:GetSamplingRules":    "no resource types",
	"xray:GetSamplingTargets":  "no resource types",
	// CloudWatch metrics: the metrics read or written are named in the request, not by an ARN
	// (PutMetricData can be narrowed with the cloudwatch:namespace condition key).
	"cloudwatch:GetMetricData": "no resource types (ObservabilityFunction reads Container Insights)",
	"cloudwatch:PutMetricData": "no resource types",
	// ECR: the registry login token is account-wide; pushes are scoped by the repository ARN.
	"ecr:GetAuthorizationToken": "no resource types (CodeBuild's docker login)",
	// CloudWatch Logs vended log delivery, which Step Functions checks with the state
	// machine's role when it is created or updated with Logging: AWS documents these with
	// Resource "*" (the *LogDelivery* actions have no resource types).
	"logs:CreateLogDelivery":        "vended log delivery: no resource types",
	"logs:GetLogDelivery":           "vended log delivery: no resource types",
	"logs:UpdateLogDelivery":        "vended log delivery: no resource types",
	"logs:DeleteLogDelivery":        "vended log delivery: no resource types",
	"logs:ListLogDeliveries":        "vended log delivery: no resource types",
	"logs:PutResourcePolicy":        "vended log delivery: Step Functions' documented policy uses \"*\"",
	"logs:DescribeResourcePolicies": "vended log delivery: Step Functions' documented policy uses \"*\"",
	"logs:DescribeLogGroups":        "vended log delivery: Step Functions' documented policy uses \"*\"",
	// A function in a VPC (EksVpcSubnetIds): Lambda creates and removes its network interfaces
	// with the execution role and checks these actions on "*" (AWSLambdaVPCAccessExecutionRole).
	"ec2:CreateNetworkInterface":     "Lambda VPC networking: checked on \"*\"",
	"ec2:DescribeNetworkInterfaces":  "no resource types",
	"ec2:DescribeSubnets":            "no resource types",
	"ec2:DeleteNetworkInterface":     "Lambda VPC networking: checked on \"*\"",
	"ec2:AssignPrivateIpAddresses":   "Lambda VPC networking: checked on \"*\"",
	"ec2:UnassignPrivateIpAddresses": "Lambda VPC networking: checked on \"*\"",
}

// samPolicyTemplates are the SAM policy templates the audit knows, each
// with the parameter that scopes it ("" when its actions are all unscopable).
var samPolicyTemplates = map[string]string{
	"LambdaInvokePolicy":                    "FunctionName", // lambda:InvokeFunction on function:<name>*
	"DynamoDBReadPolicy":                    "TableName",
	"DynamoDBCrudPolicy":                    "TableName",
	"SQSSendMessagePolicy":                  "QueueName",
	"StepFunctionsExecutionPolicy":          "StateMachineName",
	"AWSSecretsManagerGetSecretValuePolicy": "SecretArn",
	"CloudWatchPutMetricPolicy":             "", // cloudwatch:PutMetricData on "*" (unscopable)
}

// allowedManagedPolicies: managed policies (a name or ARN in Policies or
// ManagedPolicyArns) cannot be audited here; none is allowed.
var allowedManagedPolicies = map[string]string{}

func TestIAMLeastPrivilege(t *testing.T) {
	fn := func(policies string) string {
		return "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n" + policies
	}
	cases := []struct {
		name, template string // "" = template.yaml
		want           []string
	}{
		{name: "template.yaml"},
		{name: "scoped inline statement", template: fn("        - Statement:\n            - Effect: Allow\n              Action: [dynamodb:GetItem]\n              Resource: !GetAtt Table.Arn\n")},
		{name: "star resource for unscopable actions", template: fn("        - Statement:\n            - Effect: Allow\n              Action: [xray:PutTraceSegments, cloudwatch:GetMetricData]\n              Resource: \"*\"\n")},
		{name: "action *", template: fn("        - Statement:\n            - Effect: Allow\n              Action: \"*\"\n              Resource: !GetAtt Table.Arn\n"),
			want: []string{`Fn: Policies[0] Statement[0]: action "*"`}},
		{name: "service:*", template: fn("        - Statement:\n            - Effect: Allow\n              Action: [dynamodb:*]\n              Resource: !GetAtt Table.Arn\n"),
			want: []string{`Fn: Policies[0] Statement[0]: action "dynamodb:*"`}},
		{name: "resource * for scopable actions", template: fn("        - Statement:\n            - Effect: Allow\n              Action: [xray:PutTraceSegments, dynamodb:GetItem]\n              Resource: \"*\"\n"),
			want: []string{`Fn: Policies[0] Statement[0]: Resource "*" for dynamodb:GetItem`}},
		{name: "resource wildcard ARN", template: fn("        - Statement:\n            - Effect: Allow\n              Action: dynamodb:GetItem\n              Resource: !Sub arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:*\n"),
			want: []string{`Resource "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:*" for dynamodb:GetItem`}},
		{name: "star in one branch of an Fn::If", template: fn("        - Statement:\n            - !If\n              - HasIt\n              - Effect: Allow\n                Action: s3:GetObject\n                Resource: \"*\"\n              - !Ref AWS::NoValue\n"),
			want: []string{`Fn: Policies[0] Statement[0] (Fn::If, true branch): Resource "*" for s3:GetObject`}},
		{name: "NotAction", template: fn("        - Statement:\n            - Effect: Allow\n              NotAction: iam:*\n              Resource: !GetAtt Table.Arn\n"),
			want: []string{"NotAction"}},
		{name: "no Resource", template: fn("        - Statement:\n            - Effect: Allow\n              Action: dynamodb:GetItem\n"),
			want: []string{"no Resource"}},
		{name: "known policy template", template: fn("        - DynamoDBCrudPolicy:\n            TableName: !Ref Table\n")},
		{name: "policy template on *", template: fn("        - DynamoDBCrudPolicy:\n            TableName: \"*\"\n"),
			want: []string{`Fn: Policies[0]: policy template DynamoDBCrudPolicy with TableName "*"`}},
		{name: "unknown policy template", template: fn("        - S3FullAccessPolicy:\n            BucketName: b\n"),
			want: []string{"Fn: Policies[0]: SAM policy template S3FullAccessPolicy is not one this test knows"}},
		{name: "a DynamoDB action the store never calls", template: fn("        - Statement:\n            - Effect: Allow\n              Action: [dynamodb:GetItem, dynamodb:Scan]\n              Resource: !GetAtt Table.Arn\n"),
			want: []string{`Fn: Policies[0] Statement[0]: action "dynamodb:Scan": the store never calls it`}},
		{name: "managed policy", template: fn("        - AmazonDynamoDBFullAccess\n"),
			want: []string{`Fn: Policies[0]: managed policy "AmazonDynamoDBFullAccess"`}},
		{name: "role", template: "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: \"*\"}\n            Action: sts:AssumeRole\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: ecr:*\n                Resource: \"*\"\n",
			want: []string{"R: AssumeRolePolicyDocument Statement[0]: Principal", "R: ManagedPolicyArns[0]", `R: Policies[0] Statement[0]: action "ecr:*"`}},
		{name: "queue policy open to everyone", template: "Resources:\n  Q:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: \"*\"\n            Action: sqs:SendMessage\n            Resource: !GetAtt Queue.Arn\n",
			want: []string{"Q: PolicyDocument Statement[0]: Principal"}},
		{name: "a policy the test cannot place", template: "Resources:\n  P:\n    Type: AWS::Some::Thing\n    Properties:\n      PolicyDocument: {}\n",
			want: []string{"P: AWS::Some::Thing has a policy this test does not audit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkAudit(t, c.template, auditPolicies, c.want)
		})
	}
}

// auditPolicies checks every policy of a template: functions' and state
// machines' Policies (inline statements, SAM policy templates, managed
// policies), IAM roles and policies, and resource policies.
func auditPolicies(tpl cfnTemplate) []string {
	var problems []string
	report := func(where, format string, args ...any) {
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	globals := m(m(tpl["Globals"])["Function"])
	for _, id := range tpl.allIDs() {
		props := m(tpl.resource(id)["Properties"])
		typ := tpl.typeOf(id)
		switch typ {
		case "AWS::Serverless::Function", "AWS::Serverless::StateMachine":
			policies := props["Policies"]
			if typ == "AWS::Serverless::Function" {
				policies = mergeGlobals(globals["Policies"], policies)
			}
			for i, p := range list(policies) {
				auditSAMPolicy(fmt.Sprintf("%s: Policies[%d]", id, i), p, report)
			}
		case "AWS::IAM::Role":
			auditDocument(id+": AssumeRolePolicyDocument", props["AssumeRolePolicyDocument"], true, report)
			for i, arn := range list(props["ManagedPolicyArns"]) {
				if _, ok := allowedManagedPolicies[fmt.Sprint(arn)]; !ok {
					report(fmt.Sprintf("%s: ManagedPolicyArns[%d]", id, i), "managed policy %v cannot be audited here", arn)
				}
			}
			for i, p := range list(props["Policies"]) {
				auditDocument(fmt.Sprintf("%s: Policies[%d]", id, i), m(p)["PolicyDocument"], false, report)
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
			"AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy":
			auditDocument(id+": PolicyDocument", props["PolicyDocument"], false, report)
		default:
			for _, k := range []string{"Policies", "PolicyDocument", "ManagedPolicyArns", "AssumeRolePolicyDocument"} {
				if _, ok := props[k]; ok {
					report(id, "%s has a policy this test does not audit (%s): add its case", typ, k)
				}
			}
		}
	}
	return problems
}

// auditSAMPolicy checks one item of a SAM Policies list.
func auditSAMPolicy(where string, p any, report func(string, string, ...any)) {
	switch v := p.(type) {
	case string:
		if _, ok := allowedManagedPolicies[v]; !ok {
			report(where, "managed policy %q cannot be audited here", v)
		}
		return
	case map[string]any:
		if cond, ok := v["Fn::If"].([]any); ok && len(cond) == 3 {
			auditSAMPolicy(where+" (Fn::If, true branch)", cond[1], report)
			auditSAMPolicy(where+" (Fn::If, false branch)", cond[2], report)
			return
		}
		if refOf(v) == "AWS::NoValue" {
			return
		}
		if _, ok := v["Statement"]; ok {
			auditDocument(where, v, false, report)
			return
		}
		if len(v) == 1 {
			for name, params := range v {
				scope, known := samPolicyTemplates[name]
				if !known {
					report(where, "SAM policy template %s is not one this test knows: add it with the parameter that scopes it", name)
					return
				}
				if scope != "" {
					if val, ok := m(params)[scope]; !ok || val == "*" || val == "" {
						report(where, "policy template %s with %s %q: it must name one resource", name, scope, val)
					}
				}
				return
			}
		}
	}
	report(where, "not a policy this test understands: %v", p)
}

var arnWithStarResource = regexp.MustCompile(`^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$`)

// auditDocument checks a policy document. trust: an AssumeRolePolicyDocument
// (no Resource; the principal must not be everyone).
func auditDocument(where string, doc any, trust bool, report func(string, string, ...any)) {
	if doc == nil {
		report(where, "no policy document")
		return
	}
	var statement func(where string, s any)
	statement = func(where string, s any) {
		st := m(s)
		if cond, ok := st["Fn::If"].([]any); ok && len(cond) == 3 {
			statement(where+" (Fn::If, true branch)", cond[1])
			statement(where+" (Fn::If, false branch)", cond[2])
			return
		}
		if refOf(st) == "AWS::NoValue" || st["Effect"] == "Deny" {
			return
		}
		for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
			if _, ok := st[k]; ok {
				report(where, "%s grants everything but a list: name what is granted", k)
			}
		}
		if principal, ok := st["Principal"]; ok && st["Condition"] == nil {
			if principal == "*" || slices.Contains(list(m(principal)["AWS"]), any("*")) {
				report(where, "Principal %v without a Condition: anyone", principal)
			}
		}
		var actions []string
		for _, a := range list(st["Action"]) {
			action := fmt.Sprint(a)
			if strings.Contains(action, "*") {
				report(where, "action %q: name the actions", action)
			}
			if op, ok := strings.CutPrefix(action, "dynamodb:"); ok && !storeDynamoDBActions()[op] {
				report(where, "action %q: the store never calls it (store.DynamoDB)", action)
			}
			actions = append(actions, action)
		}
		if trust {
			return
		}
		resources := list(st["Resource"])
		if len(resources) == 0 && st["NotResource"] == nil {
			report(where, "no Resource")
		}
		for _, r := range resources {
			text := str(r)
			if s := subOf(r); s != "" {
				text = s
			}
			plain := regexp.MustCompile(`\$\{[^}]*\}`).ReplaceAllString(text, "x")
			if text != "*" && !arnWithStarResource.MatchString(plain) {
				continue
			}
			var scopable []string
			for _, a := range actions {
				if _, ok := unscopable[a]; !ok {
					scopable = append(scopable, a)
				}
			}
			if len(scopable) > 0 {
				report(where, "Resource %q for %s, which AWS lets a policy scope: name the resources", text, strings.Join(scopable, ", "))
			}
		}
	}
	for i, s := range list(m(doc)["Statement"]) {
		statement(fmt.Sprintf("%s Statement[%d]", where, i), s)
	}
}

// storeDynamoDBActions are the DynamoDB actions the store can need: the
// methods of store.DynamoDB, its TransactWriteItems being authorized as
// the item actions it carries (Put, Update, Delete, ConditionCheck).
func storeDynamoDBActions() map[string]bool {
	actions := map[string]bool{"ConditionCheckItem": true}
	api := reflect.TypeFor[store.DynamoDB]()
	for i := range api.NumMethod() {
		if name := api.Method(i).Name; name != "TransactWriteItems" {
			actions[name] = true
		}
	}
	return actions
}
