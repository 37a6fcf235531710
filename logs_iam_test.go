package slipway_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// logReadGrants are the only log-reading grants of the stack: the function
// of the log routes reads the build and pipeline streams and Container
// Insights' application group, nothing else.
var logReadGrants = map[string]map[string][]string{
	"ObservabilityFunction": {
		"logs:GetLogEvents": {
			"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${BuildLogGroup}:log-stream:*",
			"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${PipelineLogGroup}:log-stream:*",
		},
		"logs:FilterLogEvents": {
			"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/containerinsights/${EksClusterName}/application:*",
		},
	},
}

// pipelineLogWriters may write the PipelineLogGroup's streams.
var pipelineLogWriters = map[string]bool{"PipelineFunction": true}

// logReads are the actions that read log events.
var logReads = []string{"logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:StartLiveTail", "logs:*"}

func TestLogReadGrants(t *testing.T) {
	const obs = "  ObservabilityFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - Statement:\n"
	const get = "            - Effect: Allow\n              Action: logs:GetLogEvents\n              Resource:\n" +
		"                - !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${BuildLogGroup}:log-stream:*\n" +
		"                - !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${PipelineLogGroup}:log-stream:*\n"
	const filter = "            - Effect: Allow\n              Action: logs:FilterLogEvents\n              Resource: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/containerinsights/${EksClusterName}/application:*\n"
	for _, c := range []struct {
		name, template string
		want           []string
	}{
		{name: "template.yaml"},
		{name: "as intended", template: "Resources:\n" + obs + get + filter},
		{name: "every group", template: "Resources:\n" + obs + get +
			"            - Effect: Allow\n              Action: logs:FilterLogEvents\n              Resource: \"*\"\n",
			want: []string{"ObservabilityFunction: logs:FilterLogEvents on *"}},
		{name: "another function writes the pipeline logs", template: "Resources:\n" + obs + get + filter +
			"            - Effect: Allow\n              Action: [logs:PutLogEvents]\n              Resource: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${PipelineLogGroup}:log-stream:*\n",
			want: []string{"ObservabilityFunction: logs:PutLogEvents on the pipeline logs"}},
		{name: "another function reads", template: "Resources:\n" + obs + get + filter +
			"  DeploymentsFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - Statement:\n" + get,
			want: []string{"DeploymentsFunction: logs:GetLogEvents on arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${BuildLogGroup}:log-stream:*"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := []byte(c.template)
			if c.template == "" {
				text = readFile(t, "template.yaml")
			}
			tpl, err := parseTemplate(text)
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, auditLogReads(tpl), c.want)
		})
	}
}

// auditLogReads reports every grant of a log-reading action beyond
// logReadGrants.
func auditLogReads(tpl cfnTemplate) []string {
	var problems []string
	for id := range m(tpl["Resources"]) {
		if tpl.typeOf(id) != "AWS::Serverless::Function" {
			continue
		}
		for _, doc := range list(m(tpl.resource(id)["Properties"])["Policies"]) {
			for _, s := range statementsOf(doc) {
				for _, a := range list(s["Action"]) {
					action := fmt.Sprint(a)
					if strings.Contains(fmt.Sprint(s["Resource"]), "${PipelineLogGroup}") && (action == "logs:PutLogEvents" || action == "logs:CreateLogStream") && !pipelineLogWriters[id] {
						problems = append(problems, id+": "+action+" on the pipeline logs")
					}
					if !slices.Contains(logReads, action) {
						continue
					}
					for _, r := range list(s["Resource"]) {
						res := subOf(r)
						if res == "" {
							res = fmt.Sprint(r)
						}
						if !slices.Contains(logReadGrants[id][action], res) {
							problems = append(problems, id+": "+action+" on "+res)
						}
					}
				}
			}
		}
	}
	sort.Strings(problems)
	return slices.Compact(problems)
}
