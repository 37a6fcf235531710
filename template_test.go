package slipway_test

// Deployability of template.yaml: every function builds with `sam build`
// (BuildMethod makefile) from its own package, runs as the template says,
// keeps its logs, is reached only by events the test understands. Every
// policy is least privilege (iam_test.go); the outputs and samconfig.toml
// environments the README names exist (samconfig_test.go). The audits take
// the template (and Makefile) text, so the tables prove each one fails on a
// doctored copy as well.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/awslabs/goformation/v7/intrinsics"

	"github.com/slipway-paas/slipway/internal/platform"
)

// ---------------------------------------------------------------- reading the template

// cfnTemplate is a template as goformation's intrinsics processor reads it:
// the YAML short forms (!Ref, !Sub, !GetAtt …) become their long forms
// ({"Ref": …}, {"Fn::Sub": …}, {"Fn::GetAtt": …}) and nothing is resolved.
//
// goformation v7's typed model cannot read template.yaml whole: its SAM
// schema predates Function LoggingConfig and PropagateTags, calls HttpApi's
// AccessLogSettings AccessLogSetting and has no EventBridgeRule RetryPolicy
// or DeadLetterConfig, and its resources reject unknown properties. So the
// typed model is used where it is current (a function's scalar properties,
// one event's properties by its Type) and the long form everywhere else.
type cfnTemplate map[string]any

// goformationMu: intrinsics.ProcessYAML registers its YAML tag resolvers in
// a package map on every call, which would race under t.Parallel.
var goformationMu sync.Mutex

func parseTemplate(text []byte) (cfnTemplate, error) {
	goformationMu.Lock()
	out, err := intrinsics.ProcessYAML(text, &intrinsics.ProcessorOptions{NoProcess: true})
	goformationMu.Unlock()
	if err != nil {
		return nil, err
	}
	var doc cfnTemplate
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

func (t cfnTemplate) resource(id string) map[string]any { return m(m(t["Resources"])[id]) }

func (t cfnTemplate) typeOf(id string) string { s, _ := t.resource(id)["Type"].(string); return s }

// ids lists the logical ids of the resources of one type, sorted.
func (t cfnTemplate) ids(typ string) []string {
	var out []string
	for id := range m(t["Resources"]) {
		if t.typeOf(id) == typ {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// allIDs lists the logical ids of every resource, sorted.
func (t cfnTemplate) allIDs() []string {
	var out []string
	for id := range m(t["Resources"]) {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// samFunction is one AWS::Serverless::Function with Globals.Function merged
// into its properties the way SAM merges them (goformation does not).
type samFunction struct {
	Metadata map[string]any
	Props    map[string]any // merged, intrinsics in long form
	// Typed is Props through goformation's model, intrinsics as their JSON
	// text; Events, Policies and VpcConfig (an Fn::If of a whole object)
	// are left out (read from Props by type).
	Typed serverless.Function
}

// functionModel is goformation's Function without its strict UnmarshalJSON
// (which refuses the properties newer than its schema).
type functionModel serverless.Function

func (t cfnTemplate) functions() (map[string]samFunction, error) {
	globals := m(m(t["Globals"])["Function"])
	out := map[string]samFunction{}
	for _, id := range t.ids("AWS::Serverless::Function") {
		res := t.resource(id)
		props, _ := mergeGlobals(globals, m(res["Properties"])).(map[string]any)
		typed := map[string]any{}
		for k, v := range props {
			if k != "Events" && k != "Policies" && k != "VpcConfig" {
				typed[k] = v
			}
		}
		var f samFunction
		if err := decodeModel(typed, (*functionModel)(&f.Typed)); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		f.Metadata, f.Props = m(res["Metadata"]), props
		out[id] = f
	}
	return out, nil
}

// mergeGlobals merges a Globals section into a resource's properties as
// SAM documents it: the resource's scalars win, maps merge key by key,
// lists are the Globals' items then the resource's; an intrinsic function
// on either side is a scalar.
func mergeGlobals(global, local any) any {
	gm, gIsMap := global.(map[string]any)
	lm, lIsMap := local.(map[string]any)
	switch {
	case local == nil:
		return global
	case gIsMap && lIsMap && !isIntrinsic(gm) && !isIntrinsic(lm):
		out := map[string]any{}
		for k, v := range gm {
			out[k] = v
		}
		for k, v := range lm {
			out[k] = mergeGlobals(gm[k], v)
		}
		return out
	}
	gl, gIsList := global.([]any)
	ll, lIsList := local.([]any)
	if gIsList && lIsList {
		return append(slices.Clone(gl), ll...)
	}
	return local
}

var intrinsicNames = []string{"Ref", "Fn::Base64", "Fn::And", "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or",
	"Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join", "Fn::Select", "Fn::Split",
	"Fn::Sub", "Fn::Cidr", "Fn::Transform"}

func isIntrinsic(v map[string]any) bool {
	if len(v) != 1 {
		return false
	}
	for k := range v {
		return slices.Contains(intrinsicNames, k)
	}
	return false
}

// asText makes every intrinsic function its JSON text (AWS::NoValue drops
// the value), so that goformation's string fields can hold them.
var asText = func() *intrinsics.ProcessorOptions {
	o := &intrinsics.ProcessorOptions{IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{}}
	for _, name := range intrinsicNames {
		o.IntrinsicHandlerOverrides[name] = func(name string, input, _ any) any {
			if name == "Ref" && input == "AWS::NoValue" {
				return nil
			}
			b, _ := json.Marshal(map[string]any{name: input})
			return string(b)
		}
	}
	return o
}()

// decodeModel decodes a long-form value into one of goformation's types.
func decodeModel(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	goformationMu.Lock()
	b, err = intrinsics.ProcessJSON(b, asText)
	goformationMu.Unlock()
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

// refOf is X of {"Ref": X}.
func refOf(v any) string { s, _ := m(v)["Ref"].(string); return s }

// subOf is the template string of {"Fn::Sub": s} or {"Fn::Sub": [s, vars]}.
func subOf(v any) string {
	switch s := m(v)["Fn::Sub"].(type) {
	case string:
		return s
	case []any:
		if len(s) > 0 {
			str, _ := s[0].(string)
			return str
		}
	}
	return ""
}

func str(v any) string { s, _ := v.(string); return s }

func list(v any) []any {
	switch l := v.(type) {
	case nil:
		return nil
	case []any:
		return l
	default:
		return []any{l}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---------------------------------------------------------------- functions

// edit is one in-memory change to the template or the Makefile; old must
// occur exactly once, so that a case cannot silently stop applying.
type edit struct{ file, old, new string }

func applyEdits(t *testing.T, files map[string]string, edits []edit) {
	t.Helper()
	for _, e := range edits {
		if n := strings.Count(files[e.file], e.old); n != 1 {
			t.Fatalf("edit of %s: %q occurs %d times, want once", e.file, e.old, n)
		}
		files[e.file] = strings.Replace(files[e.file], e.old, e.new, 1)
	}
}

func TestServerlessFunctions(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		want  []string // substrings of the problems, in order; none: the audit passes
	}{
		{name: "template.yaml and Makefile as they are"},
		{
			name:  "a function without its build target",
			edits: []edit{{"Makefile", "PipelineFunction WebhooksFunction\n", "PipelineFunction\n"}},
			want:  []string{"WebhooksFunction: Makefile: no target build-WebhooksFunction"},
		},
		{
			name:  "a target building another group's package",
			edits: []edit{{"Makefile", "\nlower = ", "\nPKG_DeploymentsFunction := applications\nlower = "}},
			want:  []string{"DeploymentsFunction: build-DeploymentsFunction builds ./functions/applications, want ./functions/deployments"},
		},
		{
			name:  "a target building a package that does not exist",
			edits: []edit{{"Makefile", "\nlower = ", "\nPKG_WebhooksFunction := hooks\nlower = "}},
			want: []string{
				"WebhooksFunction: build-WebhooksFunction builds ./functions/hooks, want ./functions/webhooks",
				"WebhooksFunction: ./functions/hooks: no Go files",
			},
		},
		{
			name:  "a target building for another architecture",
			edits: []edit{{"Makefile", "ARCH ?= arm64", "ARCH ?= amd64"}},
			want:  []string{"ApplicationsFunction: build-ApplicationsFunction builds GOARCH=amd64, want arm64 (Architectures arm64)"},
		},
		{
			name:  "another build method",
			edits: []edit{{"template", "BuildMethod: makefile # runs `make build-PipelineFunction", "BuildMethod: go1.x # runs `make build-PipelineFunction"}},
			want:  []string{`PipelineFunction: Metadata BuildMethod is "go1.x", want makefile`},
		},
		{
			name: "runtime, architecture, handler and tracing from Globals",
			edits: []edit{
				{"template", "    Runtime: provided.al2023\n", "    Runtime: go1.x\n"},
				{"template", "    Architectures: [arm64]\n", "    Architectures: [x86_64]\n"},
				{"template", "    Handler: bootstrap\n", "    Handler: main\n"},
				{"template", "    Tracing: Active\n", "    Tracing: PassThrough\n"},
			},
			want: []string{
				`ApplicationsFunction: Runtime "go1.x", want provided.al2023`,
				`ApplicationsFunction: Architectures [x86_64], want [arm64]`,
				`ApplicationsFunction: Handler "main", want bootstrap`,
				`ApplicationsFunction: Tracing "PassThrough", want Active`,
			},
		},
		{
			name:  "a function overriding a Globals list (SAM appends it)",
			edits: []edit{{"template", "      CodeUri: .\n      # GitHub gives", "      CodeUri: .\n      Architectures: [x86_64]\n      # GitHub gives"}},
			want:  []string{"WebhooksFunction: Architectures [arm64 x86_64], want [arm64]"},
		},
		{
			name:  "code elsewhere",
			edits: []edit{{"template", "      Description: Observability (Applications 10 of openapi.yaml) - usage history from CloudWatch Container Insights.\n      CodeUri: .", "      Description: Observability.\n      CodeUri: functions/observability"}},
			want:  []string{`ObservabilityFunction: CodeUri "functions/observability", want "."`},
		},
		{
			name:  "a log group for another name",
			edits: []edit{{"template", "/aws/lambda/${ObservabilityFunction}", "/aws/lambda/observability"}},
			want:  []string{"ObservabilityFunction: no log group with a retention"},
		},
		{
			name:  "a log group without retention",
			edits: []edit{{"template", "      LogGroupName: !Sub /aws/lambda/${WebhooksFunction}\n      RetentionInDays: !Ref LogRetentionDays\n", "      LogGroupName: !Sub /aws/lambda/${WebhooksFunction}\n"}},
			want:  []string{"WebhooksFunction: log group WebhooksFunctionLogGroup has no RetentionInDays"},
		},
		{
			name: "LoggingConfig naming a log group with retention",
			edits: []edit{
				{"template", "/aws/lambda/${ObservabilityFunction}", "/slipway/observability"},
				{"template", "      CodeUri: .\n      Policies:\n        - Version: \"2012-10-17\"\n          Statement:\n            - Sid: SlipwayTableRead",
					"      CodeUri: .\n      LoggingConfig:\n        LogGroup: !Ref ObservabilityFunctionLogGroup\n      Policies:\n        - Version: \"2012-10-17\"\n          Statement:\n            - Sid: SlipwayTableRead"},
			},
		},
		{
			name:  "a route of another group's router",
			edits: []edit{{"template", "            Path: /healthz\n", "            Path: /webhooks/github\n"}},
			want:  []string{"ApplicationsFunction: event Healthz: GET /webhooks/github is not a route of this group's router"},
		},
		{
			name:  "an HttpApi event on the implicit API",
			edits: []edit{{"template", "            ApiId: !Ref HttpApi\n            Path: /webhooks/github\n", "            Path: /webhooks/github\n"}},
			want:  []string{`WebhooksFunction: event GithubWebhook: ApiId <nil> is not a Ref to the template's HttpApi`},
		},
		{
			name:  "an event type the test does not know",
			edits: []edit{{"template", "          Type: EventBridgeRule\n", "          Type: SQS\n"}},
			want:  []string{"PipelineFunction: event ExecutionEnded: type SQS is not one this test knows"},
		},
		{
			name:  "an EventBridge rule without a dead-letter queue",
			edits: []edit{{"template", "            DeadLetterConfig:\n              Arn: !GetAtt PipelineEventsDeadLetterQueue.Arn\n", ""}},
			want:  []string{"PipelineFunction: event ExecutionEnded: no DeadLetterConfig"},
		},
	}
	files := map[string]string{"template": string(readFile(t, "template.yaml")), "Makefile": string(readFile(t, "Makefile"))}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doctored := cloneFiles(files)
			applyEdits(t, doctored, c.edits)
			got := auditFunctions([]byte(doctored["template"]), []byte(doctored["Makefile"]))
			checkProblems(t, got, c.want)
		})
	}
}

func cloneFiles(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// checkAudit runs audit on template (template.yaml when empty) and checks
// its problems against want (checkProblems).
func checkAudit(t *testing.T, template string, audit func(cfnTemplate) []string, want []string) {
	t.Helper()
	text := []byte(template)
	if template == "" {
		text = readFile(t, "template.yaml")
	}
	tpl, err := parseTemplate(text)
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, audit(tpl), want)
}

// checkProblems: with no want, no problem; otherwise every wanted one, in
// order (other problems a change brings along are allowed).
func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	for _, p := range got {
		t.Log(p)
	}
	if len(want) == 0 {
		for _, p := range got {
			t.Error(p)
		}
		return
	}
	i := 0
	for _, p := range got {
		if i < len(want) && strings.Contains(p, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("missing problem %q; got:\n  %s", want[i], strings.Join(got, "\n  "))
	}
}

// auditFunctions checks every AWS::Serverless::Function of a template
// against the Makefile that `sam build` runs.
func auditFunctions(templateText, makefile []byte) []string {
	tpl, err := parseTemplate(templateText)
	if err != nil {
		return []string{"template: " + err.Error()}
	}
	fns, err := tpl.functions()
	if err != nil {
		return []string{"template: " + err.Error()}
	}
	if len(fns) == 0 {
		return []string{"template: no AWS::Serverless::Function"}
	}
	routers, err := routerPackages()
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	defaultRoutes := 0
	for _, id := range tpl.ids("AWS::Serverless::Function") {
		f := fns[id]
		report := func(format string, args ...any) { problems = append(problems, id+": "+fmt.Sprintf(format, args...)) }

		if bm := f.Metadata["BuildMethod"]; bm != "makefile" {
			report("Metadata BuildMethod is %q, want makefile", bm)
		}
		if cu := f.Typed.CodeUri; cu == nil || cu.String == nil || *cu.String != "." {
			var got any
			if cu != nil && cu.String != nil {
				got = *cu.String
			}
			report("CodeUri %q, want \".\"", got)
		}
		if f.Typed.PackageType != nil && *f.Typed.PackageType != "Zip" {
			report("PackageType %q, want Zip", *f.Typed.PackageType)
		}
		if v := platform.Deref(f.Typed.Runtime); v != "provided.al2023" {
			report("Runtime %q, want provided.al2023", v)
		}
		if !slices.Equal(f.Typed.Architectures, []string{"arm64"}) {
			report("Architectures %v, want [arm64]", f.Typed.Architectures)
		}
		if v := platform.Deref(f.Typed.Handler); v != "bootstrap" {
			report("Handler %q, want bootstrap", v)
		}
		if v := platform.Deref(f.Typed.Tracing); v != "Active" {
			report("Tracing %q, want Active", v)
		}
		if p := logGroupProblem(tpl, id, f.Props); p != "" {
			report("%s", p)
		}

		// The Makefile target sam build runs, and what it builds.
		want := "./functions/" + strings.ToLower(strings.TrimSuffix(id, "Function"))
		build, err := makeBuild(makefile, id)
		if err != nil {
			report("Makefile: %v", err)
		} else {
			if build.pkg != want {
				report("build-%s builds %s, want %s", id, build.pkg, want)
			}
			if arch := map[string]string{"arm64": "arm64", "x86_64": "amd64"}[first(f.Typed.Architectures)]; build.env["GOARCH"] != arch {
				report("build-%s builds GOARCH=%s, want %s (Architectures %s)", id, build.env["GOARCH"], arch, first(f.Typed.Architectures))
			}
			if build.env["GOOS"] != "linux" || build.env["CGO_ENABLED"] != "0" {
				report("build-%s builds GOOS=%q CGO_ENABLED=%q, want linux and 0", id, build.env["GOOS"], build.env["CGO_ENABLED"])
			}
			if build.output != makeArtifacts+"/bootstrap" {
				report("build-%s writes %s, want $(ARTIFACTS_DIR)/bootstrap (Handler bootstrap)", id, build.output)
			}
			if !slices.Contains(strings.Split(build.tags, ","), "lambda.norpc") {
				report("build-%s builds without -tags lambda.norpc (provided.al2023 needs no RPC server)", id)
			}
			imports, err := mainPackage(build.pkg)
			if err != nil {
				report("%s: %v", build.pkg, err)
			} else if router, ok := routers[id]; ok && !slices.Contains(imports, router) {
				report("%s does not import %s, the router of %s's routes", build.pkg, router, id)
			}
		}

		// Events, by type.
		events := m(f.Props["Events"])
		names := make([]string, 0, len(events))
		for name := range events {
			names = append(names, name)
		}
		sort.Strings(names)
		routes := map[string]bool{}
		for _, r := range groups[id] {
			routes[shape(r.Method, r.Pattern)] = true
		}
		for _, r := range staticGroups[id] {
			routes[shape(r.Method, r.Path)] = true
		}
		for _, name := range names {
			ev := m(events[name])
			props := m(ev["Properties"])
			switch typ := str(ev["Type"]); typ {
			case "HttpApi":
				var e serverless.Function_HttpApiEvent
				if err := decodeModel(props, &e); err != nil {
					report("event %s: %v", name, err)
					continue
				}
				if api := refOf(props["ApiId"]); api == "" || tpl.typeOf(api) != "AWS::Serverless::HttpApi" {
					report("event %s: ApiId %v is not a Ref to the template's HttpApi (SAM would create another API)", name, props["ApiId"])
				}
				path, method := platform.Deref(e.Path), strings.ToUpper(platform.Deref(e.Method))
				switch {
				case path == "$default":
					defaultRoutes++
					if method != "ANY" {
						report("event %s: the $default route has method %q, want ANY", name, method)
					}
				case len(routes) == 0:
					report("event %s: %s %s, but %s has no router in groups (contract_test.go)", name, method, path, id)
				case !routes[shape(method, path)]:
					report("event %s: %s %s is not a route of this group's router", name, method, path)
				}
			case "EventBridgeRule":
				var e serverless.Function_EventBridgeRuleEvent
				if err := decodeModel(props, &e); err != nil {
					report("event %s: %v", name, err)
					continue
				}
				if len(list(m(e.Pattern)["source"])) == 0 {
					report("event %s: the rule's Pattern names no source", name)
				}
				if m(props["DeadLetterConfig"])["Arn"] == nil {
					report("event %s: no DeadLetterConfig (events EventBridge cannot deliver would be dropped)", name)
				}
			case "Schedule":
				// A schedule repeats the same idempotent work (the route check): a lost
				// invocation is made good by the next, so it needs no dead-letter queue, but it
				// must send a payload the function routes and run at least every 5 minutes.
				var input struct {
					Step string `json:"step"`
				}
				if err := json.Unmarshal([]byte(fmt.Sprint(props["Input"])), &input); err != nil || input.Step != "check_routes" {
					report("event %s: Input %v is not a route check payload", name, props["Input"])
				}
				if sched := fmt.Sprint(props["Schedule"]); !strings.HasPrefix(sched, "rate(") || !regexp.MustCompile(`^rate\(([1-5] minutes?)\)$`).MatchString(sched) {
					report("event %s: Schedule %s: want rate(1 minute) … rate(5 minutes)", name, sched)
				}
			default:
				report("event %s: type %s is not one this test knows: add a case saying what must hold for it", name, typ)
			}
		}
	}
	if defaultRoutes > 1 {
		problems = append(problems, fmt.Sprintf("template: %d $default routes, want at most one", defaultRoutes))
	}
	return problems
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// logGroupProblem: a function's logs go to a log group of the template with
// a retention: LoggingConfig.LogGroup naming one, or else the group Lambda
// writes to by default, /aws/lambda/<function name>.
func logGroupProblem(tpl cfnTemplate, id string, props map[string]any) string {
	groups := tpl.ids("AWS::Logs::LogGroup")
	if lg, ok := m(props["LoggingConfig"])["LogGroup"]; ok {
		if r := refOf(lg); r != "" && tpl.typeOf(r) == "AWS::Logs::LogGroup" {
			return retentionProblem(tpl, r)
		}
		for _, g := range groups {
			if reflect.DeepEqual(m(tpl.resource(g)["Properties"])["LogGroupName"], lg) {
				return retentionProblem(tpl, g)
			}
		}
		return fmt.Sprintf("LoggingConfig.LogGroup %v is no log group of the template (one with a retention)", lg)
	}
	fixed := str(props["FunctionName"])
	for _, g := range groups {
		name := m(tpl.resource(g)["Properties"])["LogGroupName"]
		if subOf(name) == "/aws/lambda/${"+id+"}" || (fixed != "" && (name == "/aws/lambda/"+fixed || subOf(name) == "/aws/lambda/"+fixed)) {
			return retentionProblem(tpl, g)
		}
	}
	return "no log group with a retention: want an AWS::Logs::LogGroup named !Sub /aws/lambda/${" + id + "} (or LoggingConfig.LogGroup naming one)"
}

func retentionProblem(tpl cfnTemplate, logGroup string) string {
	if m(tpl.resource(logGroup)["Properties"])["RetentionInDays"] == nil {
		return "log group " + logGroup + " has no RetentionInDays"
	}
	return ""
}

// routerPackages maps each function of groups (contract_test.go) to the
// import path of its router package, from its routes' handlers.
func routerPackages() (map[string]string, error) {
	out := map[string]string{}
	for fn, routes := range groups {
		for _, r := range routes {
			name := runtime.FuncForPC(reflect.ValueOf(r.Handle).Pointer()).Name()
			slash := strings.LastIndex(name, "/")
			pkg := name[:slash+strings.Index(name[slash:], ".")]
			if prev, ok := out[fn]; ok && prev != pkg {
				return nil, fmt.Errorf("groups: %s's routes come from %s and %s", fn, prev, pkg)
			}
			out[fn] = pkg
		}
	}
	return out, nil
}

// mainPackage checks that dir (./functions/x) holds a main package and
// returns what it imports.
func mainPackage(dir string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var imports []string
	n := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
		if err != nil {
			return nil, err
		}
		if f.Name.Name != "main" {
			return nil, fmt.Errorf("%s is package %s, not main", file, f.Name.Name)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			imports = append(imports, p)
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("no Go files")
	}
	return imports, nil
}

// makeArtifacts is the ARTIFACTS_DIR given to `make -n` (nothing is written).
const makeArtifacts = "/tmp/slipway-template-test"

// goBuild is the `go build` command a build-<LogicalId> target runs.
type goBuild struct {
	env               map[string]string // the command's VAR=value prefix
	tags, output, pkg string
	line              string
}

var makeCache sync.Map // makefile text + target -> goBuild or error

// makeBuild runs `make -n build-<id> ARTIFACTS_DIR=…` over a Makefile's text
// (from the repository root, as sam build does) and parses its go build.
func makeBuild(makefile []byte, id string) (goBuild, error) {
	key := string(makefile) + "\x00" + id
	if v, ok := makeCache.Load(key); ok {
		if err, isErr := v.(error); isErr {
			return goBuild{}, err
		}
		return v.(goBuild), nil
	}
	b, err := runMakeN(makefile, id)
	if err != nil {
		makeCache.Store(key, err)
		return goBuild{}, err
	}
	makeCache.Store(key, b)
	return b, nil
}

func runMakeN(makefile []byte, id string) (goBuild, error) {
	cmd := exec.Command("make", "-n", "-f", "-", "build-"+id, "ARTIFACTS_DIR="+makeArtifacts)
	cmd.Stdin = bytes.NewReader(makefile)
	// The Makefile's own defaults, as `sam build` gets them from a clean shell.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GO", "ARCH", "GO_BUILD_FLAGS", "PKG_" + id:
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "No rule to make target") {
			return goBuild{}, fmt.Errorf("no target build-%s", id)
		}
		return goBuild{}, fmt.Errorf("make -n build-%s: %v: %s", id, err, strings.TrimSpace(stderr.String()))
	}
	for _, line := range strings.Split(string(out), "\n") {
		words, err := shellWords(line)
		if err != nil {
			return goBuild{}, fmt.Errorf("build-%s: %v in %q", id, err, line)
		}
		i := 0
		env := map[string]string{}
		for ; i < len(words) && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[i]); i++ {
			k, v, _ := strings.Cut(words[i], "=")
			env[k] = v
		}
		if i+1 >= len(words) || filepath.Base(words[i]) != "go" || words[i+1] != "build" {
			continue
		}
		b := goBuild{env: env, line: line}
		args := words[i+2:]
		for j := 0; j < len(args); j++ {
			switch args[j] {
			case "-o", "-tags":
				if j+1 < len(args) {
					if args[j] == "-o" {
						b.output = args[j+1]
					} else {
						b.tags = args[j+1]
					}
					j++
				}
			default:
				if !strings.HasPrefix(args[j], "-") {
					if b.pkg != "" {
						return goBuild{}, fmt.Errorf("build-%s builds more than one package: %q", id, line)
					}
					b.pkg = args[j]
				}
			}
		}
		return b, nil
	}
	return goBuild{}, fmt.Errorf("build-%s runs no go build:\n%s", id, out)
}

// shellWords splits a command line as a POSIX shell would (quotes, no
// expansions: make -n has expanded the variables).
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'' || c == '"':
			end := strings.IndexByte(line[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %c", c)
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(line[i+1])
			i++
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
