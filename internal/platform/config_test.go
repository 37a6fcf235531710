package platform_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

const cfgApp = "0191c0de-0000-7000-8000-00000000000a"

var fp = platform.Fingerprinter{Key: []byte("0123456789abcdef0123456789abcdef")}

func plain(v string) *platform.ConfigVarInput {
	return &platform.ConfigVarInput{Value: v, Scope: platform.ScopeRuntime}
}

func secret(v string) *platform.ConfigVarInput {
	return &platform.ConfigVarInput{Value: v, Secret: true, Scope: platform.ScopeRuntime}
}

func fieldsOf(err error) []string {
	var e *platform.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestConfigPatchValidate(t *testing.T) {
	cases := []struct {
		name  string
		patch platform.ConfigPatch
		want  []string // fields at fault
	}{
		{"ok", platform.ConfigPatch{"DATABASE_URL": plain("x"), "_x1": plain(""), "GONE": nil}, nil},
		{"bad characters", platform.ConfigPatch{"BAD-NAME": plain("x")}, []string{"vars.BAD-NAME"}},
		{"leading digit", platform.ConfigPatch{"1ABC": plain("x")}, []string{"vars.1ABC"}},
		{"empty name", platform.ConfigPatch{"": plain("x")}, []string{"vars."}},
		{"255 chars", platform.ConfigPatch{strings.Repeat("A", 255): plain("x")}, nil},
		{"256 chars", platform.ConfigPatch{strings.Repeat("A", 256): plain("x")}, []string{"vars." + strings.Repeat("A", 256)}},
		{"PORT", platform.ConfigPatch{"PORT": plain("80")}, []string{"vars.PORT"}},
		{"PORT removed", platform.ConfigPatch{"PORT": nil}, []string{"vars.PORT"}},
		{"SLIPWAY_", platform.ConfigPatch{"SLIPWAY_X": plain("1")}, []string{"vars.SLIPWAY_X"}},
		{"KUBERNETES_", platform.ConfigPatch{"KUBERNETES_SERVICE_HOST": plain("1")}, []string{"vars.KUBERNETES_SERVICE_HOST"}},
		{"lower-case prefix is not reserved", platform.ConfigPatch{"slipway_x": plain("1"), "PORTS": plain("1")}, nil},
		{"32 KiB value", platform.ConfigPatch{"A": plain(strings.Repeat("v", 32<<10))}, nil},
		{"value over 32 KiB", platform.ConfigPatch{"A": secret(strings.Repeat("v", 32<<10+1))}, []string{"vars.A"}},
		{"NUL in a value", platform.ConfigPatch{"A": secret("a\x00b")}, []string{"vars.A"}},
		{"other control characters are values", platform.ConfigPatch{"A": plain("line 1\nline 2\t\x01")}, nil},
		{"bad scope", platform.ConfigPatch{"A": {Value: "x", Scope: "everywhere"}}, []string{"vars.A.scope"}},
		{"several, sorted", platform.ConfigPatch{"b-": plain(""), "PORT": plain("")}, []string{"vars.PORT", "vars.b-"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.patch.Validate()
			if got := fieldsOf(err); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("fields %v (%v), want %v", got, err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), strings.Repeat("v", 100)) {
				t.Fatal("the error holds the value")
			}
		})
	}
}

// sealAll seals with a fake that records the values it was asked to seal.
type fakeSealer struct{ calls []map[string]string }

func (f *fakeSealer) Seal(_ context.Context, _ string, values map[string]string) (map[string]platform.SealedValue, error) {
	f.calls = append(f.calls, maps.Clone(values))
	out := map[string]platform.SealedValue{}
	for k := range values {
		out[k] = platform.SealedValue{Key: []byte("k"), Box: []byte("sealed:" + k)}
	}
	return out, nil
}

func apply(t *testing.T, cur platform.Config, p platform.ConfigPatch) (platform.Config, bool, error) {
	t.Helper()
	e, err := platform.NewConfigEdit(p, fp, cfgApp)
	if err != nil {
		return platform.Config{}, false, err
	}
	s := &fakeSealer{}
	sealed, _ := s.Seal(context.Background(), cfgApp, e.ToSeal(cur))
	maps.Copy(e.Sealed, sealed)
	return e.Apply(cur, time.Unix(1700000000, 0).UTC(), "ci")
}

func TestConfigEditApply(t *testing.T) {
	v0 := platform.Config{ApplicationID: cfgApp}
	v1, changed, err := apply(t, v0, platform.ConfigPatch{"A": plain("1"), "B": secret("s3cr3t"), "C": {Value: "c", Scope: platform.ScopeBuild}, "NOPE": nil})
	if err != nil || !changed || v1.Version != 1 {
		t.Fatalf("v1 = %+v, %v, %v", v1, changed, err)
	}
	if got := fmt.Sprint(v1.Changes); got != "{[A B C] [] []}" {
		t.Fatalf("changes %s", got)
	}
	if b := v1.Vars["B"]; b.Value != "" || b.Sealed == nil || string(b.Sealed.Box) != "sealed:B" || b.Size != 6 || b.UpdatedBy != "ci" {
		t.Fatalf("secret B = %+v", b)
	}
	cases := []struct {
		name    string
		patch   platform.ConfigPatch
		changed bool
		changes string
		toSeal  []string
	}{
		{"same values", platform.ConfigPatch{"A": plain("1"), "B": secret("s3cr3t"), "C": {Value: "c", Scope: platform.ScopeBuild}}, false, "{[] [] []}", nil},
		{"removing a missing var", platform.ConfigPatch{"NOPE": nil}, false, "{[] [] []}", nil},
		{"new secret value", platform.ConfigPatch{"B": secret("other")}, true, "{[] [] [B]}", []string{"B"}},
		{"secret becomes plain", platform.ConfigPatch{"B": plain("s3cr3t")}, true, "{[] [] [B]}", nil},
		{"plain becomes secret", platform.ConfigPatch{"A": secret("1")}, true, "{[] [] [A]}", []string{"A"}},
		{"scope only", platform.ConfigPatch{"C": plain("c")}, true, "{[] [] [C]}", nil},
		{"add, remove, change", platform.ConfigPatch{"D": plain(""), "A": nil, "C": {Value: "cc", Scope: platform.ScopeBuild}}, true, "{[D] [A] [C]}", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := platform.NewConfigEdit(c.patch, fp, cfgApp)
			if err != nil {
				t.Fatal(err)
			}
			toSeal := e.ToSeal(v1)
			if got := fmt.Sprint(sortedKeys(toSeal)); got != fmt.Sprint(orEmpty(c.toSeal)) {
				t.Errorf("to seal %v, want %v", got, c.toSeal)
			}
			next, changed, err := apply(t, v1, c.patch)
			if !changed {
				next.Changes = platform.ConfigChanges{} // a no-op returns the current version as it is
			}
			if err != nil || changed != c.changed || fmt.Sprint(next.Changes) != c.changes {
				t.Fatalf("changed %v, changes %v, %v; want %v, %s", changed, next.Changes, err, c.changed, c.changes)
			}
			if !changed && next.Version != 1 {
				t.Errorf("a no-op patch made version %d", next.Version)
			}
			if changed && (next.Version != 2 || v1.Vars["A"].Value != "1") {
				t.Errorf("version %d; the current config changed: %+v", next.Version, v1.Vars["A"])
			}
		})
	}
	// An unsealed secret never reaches a config.
	e, _ := platform.NewConfigEdit(platform.ConfigPatch{"Z": secret("x")}, fp, cfgApp)
	if _, _, err := e.Apply(v1, time.Now(), "ci"); err == nil {
		t.Fatal("applied a secret that was not sealed")
	}
}

func sortedKeys(m map[string]string) []string { return orEmpty(slices.Sorted(maps.Keys(m))) }

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestConfigLimits(t *testing.T) {
	big := platform.Config{ApplicationID: cfgApp, Vars: map[string]platform.ConfigVar{}}
	for i := range platform.MaxConfigVars {
		big.Vars[fmt.Sprintf("V%03d", i)] = platform.ConfigVar{Value: "x", Size: 1, Scope: platform.ScopeRuntime, Fingerprint: fp.Fingerprint(cfgApp, "x")}
	}
	_, _, err := apply(t, big, platform.ConfigPatch{"V000": plain("y"), "ZZ": plain("1"), "AA": plain("2")})
	if got := fieldsOf(err); fmt.Sprint(got) != "[vars.AA]" || !strings.Contains(err.Error(), "at most 500") {
		t.Fatalf("501 vars: %v (%v), want vars.AA", got, err)
	}
	// At the limit, replacing and removing still work.
	if _, changed, err := apply(t, big, platform.ConfigPatch{"V000": nil, "NEW": plain("1")}); err != nil || !changed {
		t.Fatalf("swap at 500 vars: %v", err)
	}
	// 256 KiB in all: eight values of 32 KiB take 8 names' bytes too many.
	p := platform.ConfigPatch{}
	for i := range 8 {
		p[fmt.Sprintf("B%d", i)] = secret(strings.Repeat("v", 32<<10))
	}
	_, _, err = apply(t, platform.Config{ApplicationID: cfgApp}, p)
	if got := fieldsOf(err); fmt.Sprint(got) != "[vars.B0]" || !strings.Contains(err.Error(), "262144") {
		t.Fatalf("over 256 KiB: %v (%v)", got, err)
	}
	if strings.Contains(err.Error(), "vvvv") {
		t.Fatal("the error holds a value")
	}
	delete(p, "B7")
	if _, _, err := apply(t, platform.Config{ApplicationID: cfgApp}, p); err != nil {
		t.Fatalf("7 × 32 KiB: %v", err)
	}
}

func TestFingerprintIsKeyed(t *testing.T) {
	other := platform.Fingerprinter{Key: []byte("another key, another key, another")}
	a := fp.Fingerprint(cfgApp, "hunter2")
	cases := []struct {
		name string
		got  string
		same bool
	}{
		{"same value, same app", fp.Fingerprint(cfgApp, "hunter2"), true},
		{"other value", fp.Fingerprint(cfgApp, "hunter3"), false},
		{"other application", fp.Fingerprint("0191c0de-0000-7000-8000-00000000000b", "hunter2"), false},
		{"other key", other.Fingerprint(cfgApp, "hunter2"), false},
	}
	for _, c := range cases {
		if (c.got == a) != c.same {
			t.Errorf("%s: %s vs %s, want same %v", c.name, c.got, a, c.same)
		}
	}
	if !strings.HasPrefix(a, "hmac-sha256:") || strings.Contains(a, "hunter2") {
		t.Errorf("fingerprint %q", a)
	}
}

func TestLocalEnvelope(t *testing.T) {
	ctx := context.Background()
	env := platform.Envelope{Keys: platform.LocalDataKeys{Master: []byte("0123456789abcdef0123456789abcdef")}}
	sealed, err := env.Seal(ctx, cfgApp, map[string]string{"A": "one", "B": ""})
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.Unseal(ctx, cfgApp, sealed)
	if err != nil || got["A"] != "one" || got["B"] != "" || len(got) != 2 {
		t.Fatalf("Unseal = %v, %v", got, err)
	}
	wrongKey := platform.Envelope{Keys: platform.LocalDataKeys{Master: []byte("fedcba9876543210fedcba9876543210")}}
	for name, c := range map[string]struct {
		env    platform.Envelope
		app    string
		sealed map[string]platform.SealedValue
	}{
		"other application": {env, "0191c0de-0000-7000-8000-00000000000b", sealed},
		"other var":         {env, cfgApp, map[string]platform.SealedValue{"B": sealed["A"]}},
		"other master key":  {wrongKey, cfgApp, sealed},
	} {
		if _, err := c.env.Unseal(ctx, c.app, c.sealed); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
