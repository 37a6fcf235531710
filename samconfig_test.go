package slipway_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// ---------------------------------------------------------------- outputs

// The outputs the README and operators use, and what each must be.
func TestTemplateOutputs(t *testing.T) {
	tpl, err := parseTemplate(readFile(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	outputs := m(tpl["Outputs"])
	cases := []struct {
		output string
		ok     func(v any) bool
		want   string
	}{
		{"ApiUrl", func(v any) bool {
			s := subOf(v)
			return strings.HasPrefix(s, "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}") && tpl.typeOf("HttpApi") == "AWS::Serverless::HttpApi"
		}, "!Sub https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix} (the $default stage has no path)"},
		{"TableName", func(v any) bool { return tpl.typeOf(refOf(v)) == "AWS::DynamoDB::Table" }, "!Ref of the DynamoDB table"},
		{"StateMachineArn", func(v any) bool { return tpl.typeOf(refOf(v)) == "AWS::Serverless::StateMachine" }, "!Ref of the state machine (its ARN)"},
	}
	for _, c := range cases {
		t.Run(c.output, func(t *testing.T) {
			out, ok := outputs[c.output]
			if !ok {
				t.Fatalf("template.yaml has no output %s", c.output)
			}
			if v := m(out)["Value"]; !c.ok(v) {
				t.Errorf("output %s is %v, want %s", c.output, v, c.want)
			}
			if m(out)["Description"] == nil {
				t.Errorf("output %s has no Description", c.output)
			}
		})
	}
}

// ---------------------------------------------------------------- samconfig.toml

func TestSamconfigEnvironments(t *testing.T) {
	var cfg map[string]any
	if _, err := toml.DecodeFile("samconfig.toml", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["version"] != 0.1 {
		t.Errorf("version = %v, want 0.1", cfg["version"])
	}
	tpl, err := parseTemplate(readFile(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	params := m(tpl["Parameters"])
	envJSON := map[string]any{}
	if err := json.Unmarshal(readFile(t, "env.json"), &envJSON); err != nil {
		t.Fatal(err)
	}
	readme := string(readFile(t, "README.md"))

	cases := []struct {
		env, stage string
		confirm    bool // confirm_changeset required
	}{
		{"default", "dev", false},
		{"prod", "prod", true},
	}
	stacks := map[string]string{}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			env := m(cfg[c.env])
			if env == nil {
				t.Fatalf("samconfig.toml has no [%s] environment", c.env)
			}
			section := func(cmd string) map[string]any { return m(m(env[cmd])["parameters"]) }
			get := func(key string, cmds ...string) any {
				for _, cmd := range cmds {
					if v, ok := section(cmd)[key]; ok {
						return v
					}
				}
				return nil
			}
			stack := str(get("stack_name", "deploy", "global"))
			if stack == "" {
				t.Errorf("[%s] no stack_name", c.env)
			} else if other, dup := stacks[stack]; dup {
				t.Errorf("[%s] stack_name %s is [%s]'s too", c.env, stack, other)
			}
			stacks[stack] = c.env

			deploy := section("deploy")
			caps := fmt.Sprint(deploy["capabilities"])
			if !strings.Contains(caps, "CAPABILITY_IAM") {
				t.Errorf("[%s.deploy] capabilities %q lack CAPABILITY_IAM (the stack creates IAM roles)", c.env, caps)
			}
			if c.confirm && deploy["confirm_changeset"] != true {
				t.Errorf("[%s.deploy] confirm_changeset = %v, want true", c.env, deploy["confirm_changeset"])
			}
			build := section("build")
			if build["cached"] != true || build["parallel"] != true {
				t.Errorf("[%s.build] cached = %v, parallel = %v, want both true", c.env, build["cached"], build["parallel"])
			}

			overrides, err := parseOverrides(str(deploy["parameter_overrides"]))
			if err != nil {
				t.Fatalf("[%s.deploy] parameter_overrides: %v", c.env, err)
			}
			if overrides["Stage"] != c.stage {
				t.Errorf("[%s.deploy] Stage=%q, want %q", c.env, overrides["Stage"], c.stage)
			}
			for k, v := range overrides {
				p := m(params[k])
				if p == nil {
					t.Errorf("[%s.deploy] parameter_overrides sets %s, which is not a parameter of template.yaml", c.env, k)
					continue
				}
				if allowed := list(p["AllowedValues"]); allowed != nil && !slices.ContainsFunc(allowed, func(a any) bool { return fmt.Sprint(a) == v }) {
					t.Errorf("[%s.deploy] %s=%q is not one of template.yaml's AllowedValues %v", c.env, k, v, allowed)
				}
				if p["Type"] == "Number" {
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						t.Errorf("[%s.deploy] %s=%q is not a number", c.env, k, v)
					}
				}
			}

			// sam local: env.json, on the Docker network the README creates.
			for _, cmd := range []string{"local_start_api", "local_invoke"} {
				s := section(cmd)
				if s["env_vars"] != "env.json" {
					t.Errorf("[%s.%s] env_vars = %v, want env.json", c.env, cmd, s["env_vars"])
				}
				network := str(s["docker_network"])
				if network == "" || !strings.Contains(readme, "docker network create "+network) {
					t.Errorf("[%s.%s] docker_network %q is not the network the README creates", c.env, cmd, network)
				}
			}
		})
	}
	if ep := str(m(envJSON["Parameters"])["DYNAMODB_ENDPOINT"]); ep != "http://dynamodb-local:8000" {
		t.Errorf("env.json DYNAMODB_ENDPOINT = %q, want DynamoDB Local on the Docker network (http://dynamodb-local:8000)", ep)
	}
}

var overrideRE = regexp.MustCompile(`^\s*([A-Za-z0-9]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))`)

// parseOverrides reads sam's parameter_overrides: Key="value" Key=value ….
func parseOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	for strings.TrimSpace(s) != "" {
		g := overrideRE.FindStringSubmatch(s)
		if g == nil {
			return nil, fmt.Errorf("cannot read %q", s)
		}
		out[g[1]] = g[2] + g[3]
		s = s[len(g[0]):]
	}
	return out, nil
}
