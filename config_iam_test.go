package slipway_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// configKeyGrants are the only kms actions the stack may grant, each to
// the one resource that needs it: the API seals config secrets (data keys
// bound to an application by encryption context), only the pipeline opens
// them.
var configKeyGrants = map[string][]string{
	"ApplicationsFunction": {"kms:GenerateDataKey"},
	"PipelineFunction":     {"kms:Decrypt"},
}

func TestConfigKeyGrants(t *testing.T) {
	const apps = "  ApplicationsFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - Statement:\n"
	const pipe = "  PipelineFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - Statement:\n"
	const generate = "            - Effect: Allow\n              Action: kms:GenerateDataKey\n              Resource: !GetAtt ConfigKey.Arn\n              Condition:\n                ForAllValues:StringEquals:\n                  kms:EncryptionContextKeys: [slipway:application]\n"
	const decrypt = "            - Effect: Allow\n              Action: kms:Decrypt\n              Resource: !GetAtt ConfigKey.Arn\n"
	cases := []struct {
		name, template string // "" = template.yaml
		want           []string
	}{
		{name: "template.yaml"},
		{name: "as intended", template: "Resources:\n" + apps + generate + pipe + decrypt},
		{name: "the API decrypts", template: "Resources:\n" + apps + generate + decrypt + pipe + decrypt,
			want: []string{"ApplicationsFunction: kms:Decrypt"}},
		{name: "another function", template: "Resources:\n" + apps + generate + pipe + decrypt +
			"  WebhooksFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - Statement:\n" + decrypt,
			want: []string{"WebhooksFunction: kms:Decrypt"}},
		{name: "a role", template: "Resources:\n" + apps + generate + pipe + decrypt +
			"  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n" +
			strings.ReplaceAll(decrypt, "            - ", "              - ")[2:],
			want: []string{"R: kms:Decrypt"}},
		{name: "no encryption-context condition", template: "Resources:\n" + apps +
			"            - Effect: Allow\n              Action: kms:GenerateDataKey\n              Resource: !GetAtt ConfigKey.Arn\n" + pipe + decrypt,
			want: []string{"ApplicationsFunction: kms:GenerateDataKey without the slipway:application encryption-context condition"}},
		{name: "a key policy that lets others in", template: "Resources:\n" + apps + generate + pipe + decrypt +
			"  ConfigKey:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: \"*\"}\n            Action: kms:Decrypt\n            Resource: \"*\"\n",
			want: []string{"ConfigKey: KeyPolicy Statement[0]: principal"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkAudit(t, c.template, auditKMS, c.want)
		})
	}
}

// auditKMS reports every kms grant beyond configKeyGrants, a data-key grant
// without its encryption-context condition, and a key policy statement for
// anyone but the account (which hands the grants to IAM).
func auditKMS(tpl cfnTemplate) []string {
	var problems []string
	granted := map[string][]string{}
	for _, id := range tpl.allIDs() {
		if tpl.typeOf(id) == "AWS::KMS::Key" {
			for i, s := range list(m(m(tpl.resource(id)["Properties"])["KeyPolicy"])["Statement"]) {
				aws := list(m(m(s)["Principal"])["AWS"])
				if len(aws) != 1 || !strings.HasSuffix(subOf(aws[0]), ":iam::${AWS::AccountId}:root") {
					problems = append(problems, fmt.Sprintf("%s: KeyPolicy Statement[%d]: principal %v is not the account", id, i, m(s)["Principal"]))
				}
			}
		}
		for _, doc := range tpl.policyDocs(id) {
			for _, s := range statementsOf(doc) {
				for _, a := range list(s["Action"]) {
					action := fmt.Sprint(a)
					if !strings.HasPrefix(strings.ToLower(action), "kms:") {
						continue
					}
					granted[id] = append(granted[id], action)
					if !slices.Contains(configKeyGrants[id], action) {
						problems = append(problems, id+": "+action+" is not a grant this stack intends")
					}
					if action == "kms:GenerateDataKey" && !strings.Contains(fmt.Sprint(s["Condition"]), "slipway:application") {
						problems = append(problems, id+": kms:GenerateDataKey without the slipway:application encryption-context condition")
					}
				}
			}
		}
	}
	for id, want := range configKeyGrants {
		if _, ok := m(tpl["Resources"])[id]; ok && !slices.Equal(granted[id], want) {
			problems = append(problems, fmt.Sprintf("%s: kms grants %v, want %v", id, granted[id], want))
		}
	}
	sort.Strings(problems)
	return problems
}

// policyDocs returns the inline identity-policy documents a resource
// holds: a function's or state machine's Policies, an IAM role's inline
// policies, an IAM policy's document (nil for any other resource).
func (t cfnTemplate) policyDocs(id string) []any {
	props := m(t.resource(id)["Properties"])
	switch t.typeOf(id) {
	case "AWS::Serverless::Function", "AWS::Serverless::StateMachine":
		return list(props["Policies"])
	case "AWS::IAM::Role":
		var docs []any
		for _, p := range list(props["Policies"]) {
			docs = append(docs, m(p)["PolicyDocument"])
		}
		return docs
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		return []any{props["PolicyDocument"]}
	}
	return nil
}

// statementsOf returns the statements of an inline policy document (both
// branches of an Fn::If).
func statementsOf(doc any) []map[string]any {
	var out []map[string]any
	var add func(s any)
	add = func(s any) {
		if cond, ok := m(s)["Fn::If"].([]any); ok && len(cond) == 3 {
			add(cond[1])
			add(cond[2])
			return
		}
		if st := m(s); st != nil && st["Effect"] != "Deny" {
			out = append(out, st)
		}
	}
	for _, s := range list(m(doc)["Statement"]) {
		add(s)
	}
	return out
}
