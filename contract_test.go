package slipway_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/httpapi/webhooks"
	"github.com/slipway-paas/slipway/internal/store"
)

// groups are the function groups and the template function serving each.
var groups = map[string][]httpapi.Route{
	"ApplicationsFunction":  applications.Routes(applications.Deps{}),
	"DeploymentsFunction":   deployments.Routes(deployments.Deps{}),
	"WebhooksFunction":      webhooks.Routes(webhooks.Deps{}),
	"ObservabilityFunction": observability.Routes(observability.Deps{}),
}

var variable = regexp.MustCompile(`\{[^}]*\}`)

// shape is "METHOD /path/{}/…": a route with its variable names erased.
func shape(method, path string) string {
	return strings.ToUpper(method) + " " + variable.ReplaceAllString(path, "{}")
}

func readYAML(t *testing.T, file string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(raw, &node); err != nil {
		t.Fatal(err)
	}
	stripTags(&node) // CloudFormation's !Ref, !Sub… decode as their plain values
	var doc map[string]any
	if err := node.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func stripTags(n *yaml.Node) {
	if strings.HasPrefix(n.Tag, "!") {
		switch n.Kind {
		case yaml.ScalarNode:
			n.Tag = "!!str"
		case yaml.SequenceNode:
			n.Tag = "!!seq"
		case yaml.MappingNode:
			n.Tag = "!!map"
		}
	}
	for _, c := range n.Content {
		stripTags(c)
	}
}

func m(v any) map[string]any { out, _ := v.(map[string]any); return out }

// templateRoutes maps each HttpApi route key of template.yaml to its function.
func templateRoutes(t *testing.T) (map[string]string, []string) {
	tpl := readYAML(t, "template.yaml")
	routes := map[string]string{}
	var paths []string
	for id, res := range m(tpl["Resources"]) {
		if m(res)["Type"] != "AWS::Serverless::Function" {
			continue
		}
		for _, ev := range m(m(m(res)["Properties"])["Events"]) {
			props := m(m(ev)["Properties"])
			if m(ev)["Type"] != "HttpApi" || props["Path"] == "$default" {
				continue
			}
			path, _ := props["Path"].(string)
			method, _ := props["Method"].(string)
			routes[shape(method, path)] = id
			paths = append(paths, path)
		}
	}
	return routes, paths
}

func TestRouterTemplateAndOpenAPIAgree(t *testing.T) {
	router := map[string]string{}
	for fn, routes := range groups {
		for _, r := range routes {
			router[shape(r.Method, r.Pattern)] = fn
		}
	}
	template, _ := templateRoutes(t)
	openapi := map[string]string{}
	for path, ops := range m(readYAML(t, "openapi.yaml")["paths"]) {
		for method := range m(ops) {
			switch method {
			case "get", "post", "put", "patch", "delete":
				openapi[shape(method, path)] = "openapi"
			}
		}
	}
	for route, fn := range router {
		if got, ok := template[route]; !ok || got != fn {
			t.Errorf("router %s (%s): template has it on %q", route, fn, got)
		}
		if _, ok := openapi[route]; !ok {
			t.Errorf("router %s: missing from openapi.yaml", route)
		}
	}
	for route := range template {
		if _, ok := router[route]; !ok {
			t.Errorf("template.yaml %s: no handler in the router", route)
		}
	}
	for route := range openapi {
		if _, ok := router[route]; !ok {
			t.Errorf("openapi.yaml %s: no handler in the router", route)
		}
	}
}

// API Gateway rejects route keys that name the variable of one path level
// differently (/applications/{application_id}/x beside
// /applications/{org_slug}/y is a ConflictException).
func TestOneVariableNamePerLevel(t *testing.T) {
	_, paths := templateRoutes(t)
	seen := map[string]string{} // erased prefix + level → variable name
	for _, p := range paths {
		segments := strings.Split(strings.Trim(p, "/"), "/")
		for i, seg := range segments {
			if !variable.MatchString(seg) {
				continue
			}
			at := variable.ReplaceAllString(strings.Join(segments[:i], "/"), "{}")
			if prev, ok := seen[at]; ok && prev != seg {
				t.Errorf("%s: %s at /%s/ where another route has %s", p, seg, at, prev)
			}
			seen[at] = seg
		}
	}
}

// The table the local system creates is the one the template declares.
func TestTableSchemaMatchesTemplate(t *testing.T) {
	var table map[string]any
	for _, res := range m(readYAML(t, "template.yaml")["Resources"]) {
		if m(res)["Type"] == "AWS::DynamoDB::Table" {
			table = m(m(res)["Properties"])
		}
	}
	if table == nil {
		t.Fatal("template.yaml declares no DynamoDB table")
	}
	def := store.TableDefinition("x")
	type keyElem struct{ Name, Type string }
	keys := func(v any) []keyElem {
		var out []keyElem
		for _, k := range v.([]any) {
			out = append(out, keyElem{m(k)["AttributeName"].(string), m(k)["KeyType"].(string)})
		}
		return out
	}
	sdkKeys := func(ks []types.KeySchemaElement) []keyElem {
		var out []keyElem
		for _, k := range ks {
			out = append(out, keyElem{*k.AttributeName, string(k.KeyType)})
		}
		return out
	}
	var attrs, want []string
	for _, a := range table["AttributeDefinitions"].([]any) {
		attrs = append(attrs, m(a)["AttributeName"].(string)+":"+m(a)["AttributeType"].(string))
	}
	for _, a := range def.AttributeDefinitions {
		want = append(want, *a.AttributeName+":"+string(a.AttributeType))
	}
	sort.Strings(attrs)
	sort.Strings(want)
	if !reflect.DeepEqual(attrs, want) {
		t.Errorf("attributes: template %v, store %v", attrs, want)
	}
	if got := keys(table["KeySchema"]); !reflect.DeepEqual(got, sdkKeys(def.KeySchema)) {
		t.Errorf("key schema: template %v, store %v", got, sdkKeys(def.KeySchema))
	}
	indexes := map[string][]keyElem{}
	for _, gsi := range table["GlobalSecondaryIndexes"].([]any) {
		if m(m(gsi)["Projection"])["ProjectionType"] != "ALL" {
			t.Errorf("index %v does not project ALL", m(gsi)["IndexName"])
		}
		indexes[m(gsi)["IndexName"].(string)] = keys(m(gsi)["KeySchema"])
	}
	for _, gsi := range def.GlobalSecondaryIndexes {
		if got := indexes[*gsi.IndexName]; !reflect.DeepEqual(got, sdkKeys(gsi.KeySchema)) {
			t.Errorf("index %s: template %v, store %v", *gsi.IndexName, got, sdkKeys(gsi.KeySchema))
		}
		delete(indexes, *gsi.IndexName)
	}
	if len(indexes) > 0 {
		t.Errorf("template indexes the store does not create: %v", indexes)
	}
	if table["BillingMode"] != "PAY_PER_REQUEST" || m(table["TimeToLiveSpecification"])["AttributeName"] != "expires_at" {
		t.Errorf("billing %v, TTL %v", table["BillingMode"], table["TimeToLiveSpecification"])
	}
}

// Every environment variable the code names is declared in the template's
// Globals, and every declared one is read by the code.
func TestEnvironmentVariablesDeclared(t *testing.T) {
	globals := m(m(m(m(readYAML(t, "template.yaml")["Globals"])["Function"])["Environment"])["Variables"])
	envConst := regexp.MustCompile(`Env[A-Za-z]+\s*=\s*"([A-Z][A-Z0-9_]+)"`)
	var source strings.Builder
	for _, dir := range []string{"internal", "functions", "cmd"} {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
				b, _ := os.ReadFile(path)
				source.Write(b)
			}
			return nil
		})
	}
	code := source.String()
	raw, err := os.ReadFile("internal/config/config.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, match := range envConst.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := globals[match[1]]; !ok {
			t.Errorf("%s is read by the functions but not declared in Globals", match[1])
		}
	}
	for name := range globals {
		if !strings.Contains(code, `"`+name+`"`) {
			t.Errorf("Globals declares %s, which no code reads", name)
		}
	}
}
