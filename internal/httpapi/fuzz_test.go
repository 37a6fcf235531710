package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// The request bodies of the API, decoded exactly as the handlers decode
// them (internal/httpapi/applications and deployments; FuzzRoutes in
// applications drives the real handlers): the same Object accessors, then
// the same platform validators.
const (
	fzOrganization = iota // POST /organizations, POST .../projects: {name, slug}
	fzApplication         // POST /applications: {name, slug, project_id}
	fzToken               // POST .../tokens: {name, role}
	fzSettings            // PATCH .../settings: merge patch of the nine settings
	fzScale               // POST .../scale: {process_counts, process_pod_classes}
	fzDeploy              // POST .../deploy: an empty object, or no body
	fzKinds
)

// fzMember is how one request member is read: its accessor.
type fzMember struct {
	name string
	kind string // "required", "patchString", "patchBool", "patchInt64", "patchInt", "intMap", "stringMap"
}

var fzShapes = [fzKinds][]fzMember{
	fzOrganization: {{"name", "required"}, {"slug", "required"}},
	fzApplication:  {{"name", "required"}, {"slug", "required"}, {"project_id", "required"}},
	fzToken:        {{"name", "required"}, {"role", "required"}},
	fzSettings: {
		{"github_repository", "patchString"}, {"github_repository_is_private", "patchBool"},
		{"auto_deploy_branch", "patchString"}, {"subdirectory", "patchString"},
		{"github_environment_name", "patchString"}, {"health_check_host", "patchString"},
		{"github_app_installation_id", "patchInt64"}, {"deployment_timeout", "patchInt"},
		{"health_check_path", "patchString"},
	},
	fzScale:  {{"process_counts", "intMap"}, {"process_pod_classes", "stringMap"}},
	fzDeploy: nil,
}

// fzDecoded is what a body decoded to, as generic JSON values (absent
// members are missing from the map, null members are nil).
type fzDecoded map[string]any

// fzDecode decodes body as the handler of kind does and returns what it
// read, the decoding error (DecodeObject or Done) and the validation error.
func fzDecode(kind int, body []byte) (fzDecoded, error, error) {
	obj, err := DecodeObject(body)
	if err != nil {
		return nil, err, nil
	}
	out := fzDecoded{}
	setPatch := func(name string, present, null bool, v any) {
		if present {
			if null {
				out[name] = nil
			} else {
				out[name] = v
			}
		}
	}
	var settings platform.SettingsPatch
	var scale platform.ScaleRequest
	for _, m := range fzShapes[kind] {
		switch m.kind {
		case "required":
			out[m.name] = obj.String(m.name, true)
		case "patchString":
			p := obj.PatchString(m.name)
			setPatch(m.name, p.Present, p.Null, p.Value)
			switch m.name {
			case "github_repository":
				settings.GithubRepository = p
			case "auto_deploy_branch":
				settings.AutoDeployBranch = p
			case "subdirectory":
				settings.Subdirectory = p
			case "github_environment_name":
				settings.GithubEnvironmentName = p
			case "health_check_host":
				settings.HealthCheckHost = p
			case "health_check_path":
				settings.HealthCheckPath = p
			}
		case "patchBool":
			p := obj.PatchBool(m.name)
			setPatch(m.name, p.Present, p.Null, p.Value)
			settings.GithubRepositoryIsPrivate = p
		case "patchInt64":
			p := obj.PatchInt64(m.name)
			setPatch(m.name, p.Present, p.Null, p.Value)
			settings.GithubAppInstallationID = p
		case "patchInt":
			p := obj.PatchInt(m.name)
			setPatch(m.name, p.Present, p.Null, int64(p.Value))
			settings.DeploymentTimeout = p
		case "intMap":
			scale.ProcessCounts = obj.IntMap(m.name)
			if scale.ProcessCounts != nil {
				out[m.name] = scale.ProcessCounts
			}
		case "stringMap":
			scale.ProcessPodClasses = obj.StringMap(m.name)
			if scale.ProcessPodClasses != nil {
				out[m.name] = scale.ProcessPodClasses
			}
		}
	}
	if err := obj.Done(); err != nil {
		return out, err, nil
	}
	var v platform.Violations
	switch kind {
	case fzOrganization:
		platform.NormalizeName(&v, "name", out["name"].(string))
		platform.CheckSlug(&v, "slug", out["slug"].(string))
		if platform.ReservedProjectSlugs[out["slug"].(string)] {
			v.Add("slug", "is reserved")
		}
	case fzApplication:
		platform.NormalizeName(&v, "name", out["name"].(string))
		platform.CheckSlug(&v, "slug", out["slug"].(string))
		if id := out["project_id"].(string); id != "" && !platform.IsUUID(id) {
			v.Add("project_id", "must be a UUID")
		}
	case fzToken:
		platform.NormalizeName(&v, "name", out["name"].(string))
		if role := out["role"].(string); role != "admin" && role != "member" {
			v.Add("role", "must be admin or member")
		}
	case fzSettings:
		s := platform.DefaultSettings()
		return out, nil, settings.Apply(&s)
	case fzScale:
		app := platform.Application{ProcessCounts: map[string]int{"web": 1}, ProcessPodClasses: map[string]string{}}
		return out, nil, scale.Apply(&app)
	}
	return out, nil, v.Err()
}

// fzExpectedFields is an independent model of strict decoding: the fields
// Done must name for body (one JSON object) read as kind.
func fzExpectedFields(kind int, members map[string]any) []string {
	var want []string
	known := map[string]bool{}
	isInt := func(v any, bits int) bool {
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(string(n), 10, bits)
		return err == nil
	}
	for _, m := range fzShapes[kind] {
		known[m.name] = true
		v, present := members[m.name]
		if !present {
			if m.kind == "required" {
				want = append(want, m.name)
			}
			continue
		}
		ok := true
		switch m.kind {
		case "required":
			_, ok = v.(string)
		case "patchString":
			_, isStr := v.(string)
			ok = v == nil || isStr
		case "patchBool":
			_, isBool := v.(bool)
			ok = v == nil || isBool
		case "patchInt64":
			ok = v == nil || isInt(v, 64)
		case "patchInt":
			ok = v == nil || isInt(v, 32)
		case "intMap", "stringMap": // absent is nothing to change; null is not a map
			obj, isObj := v.(map[string]any)
			if !isObj {
				ok = false
				break
			}
			for k, e := range obj {
				_, isStr := e.(string)
				if (m.kind == "intMap" && !isInt(e, 32)) || (m.kind == "stringMap" && !isStr) {
					want = append(want, m.name+"."+k)
				}
			}
		}
		if !ok {
			want = append(want, m.name)
		}
	}
	for name := range members {
		if !known[name] {
			want = append(want, name)
		}
	}
	slices.Sort(want)
	return slices.Compact(want)
}

func fzFields(t *testing.T, err error) []string {
	t.Helper()
	var e *platform.Error
	if !errors.As(err, &e) || e.Code != platform.CodeInvalid || len(e.Fields) == 0 {
		t.Fatalf("error %v (%T) is not a validation error naming a field", err, err)
	}
	var out []string
	for _, f := range e.Fields {
		if f.Message == "" { // Field may be "": an unknown member named ""
			t.Fatalf("field error %+v has no message", f)
		}
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// FuzzDecodeBody: every request body of the API through strict decoding
// and validation. The outcome is never an internal error (a 500):
//   - not JSON at all: bad_request (400);
//   - JSON that is not one object, or has trailing data: 422 naming "body";
//   - an object: Done names exactly the fields an independent model of the
//     contract predicts (missing required members, wrong JSON types,
//     members of a map with the wrong type, unknown members);
//   - decoded: the validators' errors name only fields of that request;
//   - accepted: re-encoding what was read and decoding it again gives
//     back the same values, and it is accepted again.
func FuzzDecodeBody(f *testing.F) {
	seeds := []struct {
		kind int
		body string
	}{
		{fzOrganization, `{"name":"Acme","slug":"acme"}`},
		{fzOrganization, `{"name":" Shop ","slug":"shop","extra":1}`},
		{fzOrganization, `{"name":"x","slug":"deployments"}`},
		{fzOrganization, `{"name":null,"slug":5}`},
		{fzOrganization, `{"name":"a","slug":"a"} {}`},
		{fzOrganization, `{"name":"a","slug":"a"}]`},
		{fzOrganization, `[{"name":"a"}]`},
		{fzOrganization, `null`},
		{fzOrganization, `"x"`},
		{fzOrganization, ` `},
		{fzOrganization, `{"name":"a","name":"b","slug":"s"}`},
		{fzOrganization, `{"name":"\ud800","slug":"s"}`},
		{fzOrganization, "{\"name\":\"a\xff\",\"slug\":\"s\"}"},
		{fzApplication, `{"name":"Web","slug":"web","project_id":"01890a5d-ac96-774b-bcce-b302099a8057"}`},
		{fzApplication, `{"name":"Web","slug":"web","project_id":"nope"}`},
		{fzToken, `{"name":"ci","role":"admin"}`},
		{fzToken, `{"name":"ci","role":"owner"}`},
		{fzToken, `{"name":"ci","role":"platform"}`},
		{fzSettings, `{"github_repository":"octo/web","auto_deploy_branch":"main","deployment_timeout":600}`},
		{fzSettings, `{"github_repository":null,"subdirectory":null,"github_app_installation_id":null,"deployment_timeout":null}`},
		{fzSettings, `{"github_app_installation_id":9223372036854775807,"deployment_timeout":2147483648}`},
		{fzSettings, `{"github_app_installation_id":1.0,"deployment_timeout":1e2,"github_repository_is_private":"true"}`},
		{fzSettings, `{"health_check_path":null,"github_repository_is_private":null}`},
		{fzSettings, `{"health_check_host":"example.com.","health_check_path":"/up","github_environment_name":"prod"}`},
		{fzSettings, `{}`},
		{fzScale, `{"process_counts":{"web":2,"worker":0},"process_pod_classes":{"web":"m1.small"}}`},
		{fzScale, `{"process_counts":{"web":-1,"Web":1,"w":1.5,"x":null},"process_pod_classes":{"web":"huge","x":1}}`},
		{fzScale, `{"process_counts":[],"process_pod_classes":"m1.small"}`},
		{fzScale, `{"process_counts":null,"process_pod_classes":null}`},
		{fzScale, `{"process_counts":{"web":2147483648}}`},
		{fzDeploy, `{}`},
		{fzDeploy, `{"ref":"main"}`},
		{fzDeploy, ``},
	}
	for _, s := range seeds {
		f.Add(uint8(s.kind), []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, k uint8, body []byte) {
		kind := int(k) % fzKinds
		if kind == fzDeploy && len(body) == 0 {
			return // the deploy handler does not decode an absent body
		}
		read, decodeErr, validErr := fzDecode(kind, body)
		var members map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		objErr := dec.Decode(&members)
		switch {
		case read == nil: // DecodeObject failed
			switch {
			case len(bytes.TrimSpace(body)) == 0 || !json.Valid(body) && !fzOneValue(body):
				if platform.CodeOf(decodeErr) != platform.CodeBadRequest {
					t.Fatalf("body %q: %v, want bad_request", body, decodeErr)
				}
			default:
				if fs := fzFields(t, decodeErr); !slices.Equal(fs, []string{"body"}) {
					t.Fatalf("body %q: fields %v, want [body]", body, fs)
				}
			}
			if json.Valid(body) && objErr == nil && members != nil {
				t.Fatalf("a JSON object %q was refused: %v", body, decodeErr)
			}
			return
		case objErr != nil || members == nil || !json.Valid(body):
			t.Fatalf("body %q is not one JSON object but was decoded: %v", body, read)
		}
		want := fzExpectedFields(kind, members)
		if decodeErr != nil {
			if got := fzFields(t, decodeErr); !slices.Equal(slices.Compact(got), want) {
				t.Fatalf("body %q: Done names %v, the contract model %v", body, got, want)
			}
			return
		}
		if len(want) > 0 {
			t.Fatalf("body %q decoded, the contract model expects errors on %v", body, want)
		}
		if validErr != nil {
			for _, name := range fzFields(t, validErr) {
				top, _, _ := strings.Cut(name, ".")
				if !slices.ContainsFunc(fzShapes[kind], func(m fzMember) bool { return m.name == top }) {
					t.Fatalf("body %q: validation names %q, not a field of the request", body, name)
				}
			}
			return
		}
		again, err := json.Marshal(map[string]any(read))
		if err != nil {
			t.Fatal(err)
		}
		read2, decodeErr2, validErr2 := fzDecode(kind, again)
		if decodeErr2 != nil || validErr2 != nil {
			t.Fatalf("accepted %q, re-encoded as %s refused: %v %v", body, again, decodeErr2, validErr2)
		}
		if !fzSameDecoded(read, read2) {
			t.Fatalf("round trip of %q: %v, then %v", body, read, read2)
		}
	})
}

// fzOneValue reports whether body starts with one complete JSON value
// (DecodeObject's "trailing data" case).
func fzOneValue(body []byte) bool {
	var v json.RawMessage
	return json.NewDecoder(bytes.NewReader(body)).Decode(&v) == nil
}

func fzSameDecoded(a, b fzDecoded) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok {
			return false
		}
		switch x := va.(type) {
		case map[string]int:
			y, ok := vb.(map[string]int)
			if !ok || !maps.Equal(x, y) {
				return false
			}
		case map[string]string:
			y, ok := vb.(map[string]string)
			if !ok || !maps.Equal(x, y) {
				return false
			}
		default:
			if va != vb {
				return false
			}
		}
	}
	return true
}

// FuzzRequestMeta: what a request carries besides its body. ?limit= is
// accepted exactly as an integer 1–100 (default 20) and otherwise a 422
// naming "limit", the cursor passes through untouched, ?range= of
// pipeline metrics likewise (1–200); If-Match gives 0 (none or "*"), a
// positive version, or NoVersion, and matches a version exactly when it is
// that version's ETag (strong comparison, RFC 9110 §13.1.1).
func FuzzRequestMeta(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""}, {"limit=20&cursor=abc.def", `"v1"`}, {"limit=0", `"v0"`}, {"limit=101", `*`},
		{"limit=-1&limit=5", `W/"v1"`}, {"limit=1e1", `"v+5"`}, {"limit=%20", `"v05"`},
		{"limit=100&range=200", `"v9223372036854775807"`}, {"range=0", `"v1", "v2"`}, {"cursor=%zz", ` "v7" `},
		{"limit=+5", `"v"`}, {"range=abc", `"v-1"`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, rawQuery, ifMatch string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/organizations", RawQuery: rawQuery}, Header: http.Header{}}
		r.Header.Set("If-Match", ifMatch)
		q := r.URL.Query()

		page, err := PageRequest(r)
		raw := q.Get("limit")
		n, convErr := strconv.Atoi(raw)
		switch {
		case raw == "":
			if err != nil || page.Limit != platform.DefaultPageLimit {
				t.Fatalf("no limit: %+v, %v", page, err)
			}
		case convErr != nil || n < 1 || n > platform.MaxPageLimit:
			if fs := fzFields(t, err); !slices.Equal(fs, []string{"limit"}) {
				t.Fatalf("limit %q: fields %v", raw, fs)
			}
		default:
			if err != nil || page.Limit != n {
				t.Fatalf("limit %q: %+v, %v", raw, page, err)
			}
		}
		if err == nil && page.Cursor != q.Get("cursor") {
			t.Fatalf("cursor %q became %q", q.Get("cursor"), page.Cursor)
		}
		if rng, err := QueryInt(r, "range", 50, 1, 200); err != nil {
			if fs := fzFields(t, err); !slices.Equal(fs, []string{"range"}) {
				t.Fatalf("range: fields %v", fs)
			}
		} else if rng < 1 || rng > 200 || (q.Get("range") == "" && rng != 50) {
			t.Fatalf("range %q accepted as %d", q.Get("range"), rng)
		}

		v := IfMatch(r)
		h := strings.TrimSpace(r.Header.Get("If-Match"))
		switch {
		case h == "" || h == "*":
			if v != 0 {
				t.Fatalf("If-Match %q = %d, want 0", ifMatch, v)
			}
		case v == NoVersion:
		case v <= 0:
			t.Fatalf("If-Match %q = %d", ifMatch, v)
		case ETag(v) != h:
			t.Fatalf("If-Match %q matches version %d, whose ETag is %s", ifMatch, v, ETag(v))
		}
		if v > 0 && v != NoVersion {
			r2 := &http.Request{Header: http.Header{"If-Match": {ETag(v)}}}
			if IfMatch(r2) != v {
				t.Fatalf("ETag round trip of %d", v)
			}
		}
	})
}
