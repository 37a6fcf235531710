package slipway_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
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
	"github.com/slipway-paas/slipway/internal/webui"
)

// groups are the function groups and the template function serving each.
var groups = map[string][]httpapi.Route{
	"ApplicationsFunction":  applications.Routes(applications.Deps{}),
	"DeploymentsFunction":   deployments.Routes(deployments.Deps{}),
	"WebhooksFunction":      webhooks.Routes(webhooks.Deps{}),
	"ObservabilityFunction": observability.Routes(observability.Deps{}),
}

// staticGroups are the functions whose HTTP API routes are not API routes
// (openapi.yaml does not describe them: the dashboard's static files) and
// the routes each answers, in template.yaml's syntax.
var staticGroups = map[string][]webui.Route{"UiFunction": webui.Routes}

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
			if prev, dup := routes[shape(method, path)]; dup {
				t.Errorf("template.yaml: route %s %s is declared twice (%s and %s)", method, path, prev, id)
			}
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
	static := map[string]string{}
	for fn, routes := range staticGroups {
		for _, r := range routes {
			static[shape(r.Method, r.Path)] = fn
			if got := template[shape(r.Method, r.Path)]; got != fn {
				t.Errorf("%s serves %s %s: template has it on %q", fn, r.Method, r.Path, got)
			}
		}
	}
	for route, fn := range template {
		if _, ok := router[route]; !ok && static[route] != fn {
			t.Errorf("template.yaml %s: no handler in the router", route)
		}
	}
	for route, fn := range static {
		if _, ok := openapi[route]; ok {
			t.Errorf("openapi.yaml %s: a route of %s, which is not an API route", route, fn)
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

// lambdaEnvReads is every environment variable the Lambda binaries can read:
// the arguments of os.Getenv / os.LookupEnv (string literals and constants,
// across packages; through one function taking the name as a parameter, like
// config.Int), in this module's packages linked into ./functions/... as sam
// build compiles them. Name -> where.
func lambdaEnvReads(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \",\"}}", "./functions/...")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/slipway-paas/slipway"
	type file struct {
		pkg string
		ast *ast.File
	}
	osFunc := func(call *ast.CallExpr) string { return call.Fun.(*ast.SelectorExpr).Sel.Name }
	var files []file
	consts := map[string]map[string]string{} // import path -> constant -> string value
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || (f[0] != module && !strings.HasPrefix(f[0], module+"/")) {
			continue
		}
		consts[f[0]] = map[string]string{}
		for _, name := range strings.Split(f[2], ",") {
			parsed, err := parser.ParseFile(token.NewFileSet(), filepath.Join(f[1], name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, file{f[0], parsed})
			for _, decl := range parsed.Decls {
				if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.CONST {
					for _, spec := range gd.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, id := range vs.Names {
							if i < len(vs.Values) {
								if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
									consts[f[0]][id.Name], _ = strconv.Unquote(lit.Value)
								}
							}
						}
					}
				}
			}
		}
	}
	// Pass 1: calls of os.Getenv / os.LookupEnv. A parameter of the enclosing function as
	// the argument (config.Int's name) makes that function a reader: pass 2 resolves the
	// arguments its callers give it.
	type reader struct{ pkg, fn string }
	readers := map[reader]int{} // -> index of the parameter read
	reads := map[string]string{}
	imports := func(f *ast.File) map[string]string { // name in the file -> import path
		out := map[string]string{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			out[name] = p
		}
		return out
	}
	resolve := func(pkg string, imps map[string]string, e ast.Expr) (string, bool) {
		switch x := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(x.Value)
			return s, err == nil
		case *ast.Ident:
			v, ok := consts[pkg][x.Name]
			return v, ok
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				v, ok := consts[imps[id.Name]][x.Sel.Name]
				return v, ok
			}
		}
		return "", false
	}
	// callee is the package and name of a call's function (pkg.F or F), "" for others.
	callee := func(pkg string, imps map[string]string, call *ast.CallExpr) (string, string) {
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			return pkg, fn.Name
		case *ast.SelectorExpr:
			if id, ok := fn.X.(*ast.Ident); ok && imps[id.Name] != "" {
				return imps[id.Name], fn.Sel.Name
			}
		}
		return "", ""
	}
	for _, f := range files {
		imps := imports(f.ast)
		for _, decl := range f.ast.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			params := map[string]int{}
			i := 0
			for _, field := range fd.Type.Params.List {
				for _, name := range field.Names {
					params[name.Name] = i
					i++
				}
				if len(field.Names) == 0 {
					i++
				}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 1 {
					return true
				}
				if pkg, name := callee(f.pkg, imps, call); pkg != "os" || (name != "Getenv" && name != "LookupEnv") {
					return true
				}
				if v, ok := resolve(f.pkg, imps, call.Args[0]); ok {
					reads[v] = f.pkg + "." + fd.Name.Name
				} else if id, ok := call.Args[0].(*ast.Ident); ok && fd.Recv == nil {
					if idx, isParam := params[id.Name]; isParam {
						readers[reader{f.pkg, fd.Name.Name}] = idx
					}
				} else {
					t.Errorf("%s.%s: os.%s of an expression this test cannot resolve", f.pkg, fd.Name.Name, osFunc(call))
				}
				return true
			})
		}
	}
	for _, f := range files {
		imps := imports(f.ast)
		ast.Inspect(f.ast, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			pkg, fn := callee(f.pkg, imps, call)
			idx, ok := readers[reader{pkg, fn}]
			if !ok || idx >= len(call.Args) {
				return true
			}
			if v, ok := resolve(f.pkg, imps, call.Args[idx]); ok {
				reads[v] = f.pkg + " via " + pkg + "." + fn
			} else {
				t.Errorf("%s: a call of %s.%s with a variable name this test cannot resolve", f.pkg, pkg, fn)
			}
			return true
		})
	}
	return reads
}

// runtimeVariables are set by the Lambda runtime (reserved: a template may
// not declare them), by sam local from the caller's AWS configuration.
var runtimeVariables = map[string]bool{
	"AWS_REGION": true, "AWS_DEFAULT_REGION": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
}

// Every variable the Lambda binaries read is declared in the template's
// Globals (else SAM ignores env.json's value for it; TestEnvJSONSections
// holds env.json to Globals), and every declared one is read.
func TestLambdaVariablesDeclared(t *testing.T) {
	globals := m(m(m(m(readYAML(t, "template.yaml")["Globals"])["Function"])["Environment"])["Variables"])
	reads := lambdaEnvReads(t)
	if len(reads) == 0 {
		t.Fatal("found no environment variable read by the functions")
	}
	for name, where := range reads {
		t.Logf("%s read by %s", name, where)
		if runtimeVariables[name] {
			continue
		}
		if _, ok := globals[name]; !ok {
			t.Errorf("%s (%s) is not declared in the template's Globals", name, where)
		}
	}
	for name := range globals {
		if runtimeVariables[name] {
			t.Errorf("Globals declares %s, which the Lambda runtime reserves", name)
		} else if _, ok := reads[name]; !ok {
			t.Errorf("Globals declares %s, which no function reads", name)
		}
	}
}

// env.json as sam local reads it: Parameters apply to every function's
// declared variables, a section named after a function to that function's
// only; a key the template does not declare for the function is dropped.
func TestEnvJSONSections(t *testing.T) {
	tpl := readYAML(t, "template.yaml")
	globals := m(m(m(m(tpl["Globals"])["Function"])["Environment"])["Variables"])
	var envJSON map[string]map[string]any
	if err := json.Unmarshal(readFile(t, "env.json"), &envJSON); err != nil {
		t.Fatal(err)
	}
	declared := func(fn string) map[string]bool { // Globals + the function's own Environment
		out := map[string]bool{}
		for k := range globals {
			out[k] = true
		}
		for k := range m(m(m(m(m(tpl["Resources"])[fn])["Properties"])["Environment"])["Variables"]) {
			out[k] = true
		}
		return out
	}
	var keys []string
	for k := range globals {
		keys = append(keys, k)
	}
	var params []string
	for k := range envJSON["Parameters"] {
		params = append(params, k)
	}
	sort.Strings(keys)
	sort.Strings(params)
	if !reflect.DeepEqual(keys, params) {
		t.Errorf("env.json Parameters %v, template Globals %v: want the same keys", params, keys)
	}
	for section, vars := range envJSON {
		if section == "Parameters" {
			continue
		}
		if m(m(tpl["Resources"])[section])["Type"] != "AWS::Serverless::Function" {
			t.Errorf("env.json section %q is neither Parameters nor a function of template.yaml", section)
			continue
		}
		decl := declared(section)
		for k := range vars {
			if !decl[k] {
				t.Errorf("env.json %s.%s: not declared for %s in template.yaml (sam local drops it)", section, k, section)
			}
		}
	}
	// A function's own Environment only overrides Globals (one declaration per variable).
	for fn, res := range m(tpl["Resources"]) {
		for k := range m(m(m(m(res)["Properties"])["Environment"])["Variables"]) {
			if _, ok := globals[k]; !ok {
				t.Errorf("%s declares %s in its own Environment only: declare it in Globals", fn, k)
			}
		}
	}
}

// TestLambdasLinkOnlyTheirOwn: each function's binary links its own route
// group and none of the others, and no function links what only the local
// system or the tests need (the state machine executor, the simulators,
// the embedded DynamoDB server, template parsers). A stray import here
// costs every cold start.
func TestLambdasLinkOnlyTheirOwn(t *testing.T) {
	const module = "github.com/slipway-paas/slipway/"
	localOnly := []string{
		module + "internal/stepfn", module + "internal/sim", module + "internal/devstack", module + "internal/dynamolocal",
		module + "internal/pipeline/localrun", module + "internal/pipeline/pipelinetest", module + "internal/store/storetest",
		module + "internal/httpapi/apitest", module + "internal/httpapi/observability/simsource", module + "internal/aws/mototest",
		"github.com/truora/minidyn", "github.com/awslabs/goformation", "github.com/BurntSushi/toml", "testing",
		// The CLI and its libraries.
		module + "internal/cli", module + "internal/apiclient", "github.com/spf13/cobra", "github.com/charmbracelet", "charm.land",
		"github.com/oapi-codegen/runtime", "github.com/creack/pty",
	}
	groupPkgs := map[string]string{}
	for fn := range groups {
		groupPkgs[fn] = module + "internal/httpapi/" + strings.ToLower(strings.TrimSuffix(fn, "Function"))
	}
	for _, fn := range []string{"ApplicationsFunction", "DeploymentsFunction", "ObservabilityFunction", "PipelineFunction", "WebhooksFunction", "UiFunction"} {
		t.Run(fn, func(t *testing.T) {
			pkg := "./functions/" + strings.ToLower(strings.TrimSuffix(fn, "Function"))
			cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", pkg)
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list %s: %v", pkg, err)
			}
			deps := strings.Fields(string(out))
			links := func(prefix string) bool {
				for _, d := range deps {
					if d == prefix || strings.HasPrefix(d, prefix+"/") {
						return true
					}
				}
				return false
			}
			for _, p := range localOnly {
				if links(p) {
					t.Errorf("%s links %s, which only the local system or tests need", fn, p)
				}
			}
			for other, p := range groupPkgs {
				// Webhooks starts pipelines through the deployments group's Deploy.
				shared := fn == "WebhooksFunction" && other == "DeploymentsFunction"
				switch {
				case other == fn && !links(p):
					t.Errorf("%s does not link its own group %s", fn, p)
				case other != fn && !shared && links(p):
					t.Errorf("%s links another function's group %s", fn, p)
				}
			}
		})
	}
}

// TestAWSConfigsComeFromAwsconf: every aws.Config is awsconf.FromEnv's,
// so every SDK client gets awsconf.HTTPClient (without it, responses over
// 4 KiB fail at random with "use of closed network connection"). A
// hand-built aws.Config literal anywhere else — tests included — fails.
func TestAWSConfigsComeFromAwsconf(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			if filepath.ToSlash(path) == "internal/awsconf" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "aws.Config{") && !strings.Contains(line, `"aws.Config{"`) {
				t.Errorf("%s:%d builds an aws.Config by hand; start from awsconf.FromEnv()", path, i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every operation declares the 405 any path answers to another method
// (with Allow), and every operation that takes a bearer token its 401
// (with WWW-Authenticate: Bearer).
func TestOperationsDeclareRouterErrors(t *testing.T) {
	doc := readYAML(t, "openapi.yaml")
	for path, ops := range m(doc["paths"]) {
		for method, op := range m(ops) {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			responses := m(m(op)["responses"])
			if _, ok := responses["405"]; !ok {
				t.Errorf("openapi.yaml %s %s: no 405 response ($ref: \"#/components/responses/MethodNotAllowed\")", method, path)
			}
			if sec, set := m(op)["security"]; set && len(sec.([]any)) == 0 {
				continue // public
			}
			if _, ok := responses["401"]; !ok {
				t.Errorf("openapi.yaml %s %s: takes a bearer token but declares no 401", method, path)
			}
		}
	}
}
