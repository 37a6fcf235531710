package applications

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// ConfigVarView is the JSON of one config var: a secret's value is always
// null.
type ConfigVarView struct {
	Value       *string           `json:"value"`
	Secret      bool              `json:"secret"`
	Scope       string            `json:"scope"`
	Fingerprint string            `json:"fingerprint"`
	Updated     httpapi.Timestamp `json:"updated"`
	UpdatedBy   string            `json:"updated_by"`
}

// ConfigView is the JSON of a config version.
type ConfigView struct {
	Version int64                    `json:"version"`
	Vars    map[string]ConfigVarView `json:"vars"`
}

// ConfigChangesView names what a config version changed.
type ConfigChangesView struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// ConfigVersionView is one entry of the config history.
type ConfigVersionView struct {
	Version   int64             `json:"version"`
	Created   httpapi.Timestamp `json:"created"`
	CreatedBy string            `json:"created_by"`
	Changes   ConfigChangesView `json:"changes"`
}

func configView(c platform.Config) ConfigView {
	out := ConfigView{Version: c.Version, Vars: make(map[string]ConfigVarView, len(c.Vars))}
	for name, v := range c.Vars {
		view := ConfigVarView{Secret: v.Secret, Scope: string(v.Scope), Fingerprint: v.Fingerprint, Updated: httpapi.Timestamp(v.Updated), UpdatedBy: v.UpdatedBy}
		if !v.Secret {
			value := v.Value
			view.Value = &value
		}
		out.Vars[name] = view
	}
	return out
}

func configVersionView(v platform.ConfigVersion) ConfigVersionView {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return ConfigVersionView{Version: v.Version, Created: httpapi.Timestamp(v.Created), CreatedBy: v.CreatedBy,
		Changes: ConfigChangesView{Added: nonNil(v.Changes.Added), Removed: nonNil(v.Changes.Removed), Changed: nonNil(v.Changes.Changed)}}
}

// ConfigETag is the entity tag of a config version: "c<version>".
func ConfigETag(version int64) string { return `"c` + strconv.FormatInt(version, 10) + `"` }

// configIfMatch returns the config version an If-Match header requires:
// -1 when the header is absent or "*", and a version no config has when
// the header names none ("v3", "c03", a list).
func configIfMatch(r *http.Request) int64 {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return -1
	}
	if len(h) >= 4 && strings.HasPrefix(h, `"c`) && strings.HasSuffix(h, `"`) {
		if n, err := strconv.ParseInt(h[2:len(h)-1], 10, 64); err == nil && n >= 0 && ConfigETag(n) == h {
			return n
		}
	}
	return httpapi.NoVersion
}

// readConfig reads the application (visibility) and its current config in
// parallel: one round trip of latency.
func (a api) readConfig(r *http.Request) (platform.Application, platform.Config, error) {
	var cur platform.Config
	var curErr error
	var wg sync.WaitGroup
	if id := r.PathValue("application_id"); platform.IsUUID(id) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cur, curErr = a.Store.CurrentConfig(r.Context(), id)
		}()
	}
	app, err := httpapi.VisibleApplication(r, a.Store.GetApplication)
	wg.Wait()
	if err != nil {
		return app, cur, err
	}
	return app, cur, curErr
}

func (a api) getConfig(w http.ResponseWriter, r *http.Request) error {
	_, cur, err := a.readConfig(r)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", ConfigETag(cur.Version))
	httpapi.WriteJSON(w, http.StatusOK, configView(cur))
	return nil
}

func (a api) patchConfig(w http.ResponseWriter, r *http.Request) error {
	app, cur, err := a.readConfig(r)
	if err != nil {
		return err
	}
	caller, _ := httpapi.Caller(r) // readConfig returned its error already
	if err := caller.Authorize(app.OrganizationSlug, true, "application"); err != nil {
		return err
	}
	patch, err := decodeConfigPatch(httpapi.Body(r))
	if err != nil {
		return err
	}
	next, err := a.configService().Patch(r.Context(), app, cur, configIfMatch(r), patch, caller.TokenName)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", ConfigETag(next.Version))
	httpapi.WriteJSON(w, http.StatusOK, configView(next))
	return nil
}

func (a api) listConfigVersions(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteApplicationPage(w, r, a.Store.GetApplication, a.Store.ListConfigVersions, configVersionView)
}

// configVarBody is the object form of a PATCH var.
type configVarBody struct {
	Value  *string `json:"value"`
	Secret *bool   `json:"secret"`
	Scope  *string `json:"scope"`
}

// decodeConfigPatch decodes {"vars": {NAME: "value" | {...} | null}}. Its
// errors name the var, never its value.
func decodeConfigPatch(body []byte) (platform.ConfigPatch, error) {
	obj, err := httpapi.DecodeObject(body)
	if err != nil {
		return nil, err
	}
	raw := obj.RawMap("vars")
	if err := obj.Done(); err != nil {
		return nil, err
	}
	var v platform.Violations
	patch := make(platform.ConfigPatch, len(raw))
	for name, m := range raw {
		field := platform.ConfigField(name)
		m = bytes.TrimSpace(m)
		switch {
		case string(m) == "null":
			patch[name] = nil
		case len(m) > 0 && m[0] == '"':
			var s string
			if json.Unmarshal(m, &s) != nil {
				v.Add(field, "must be a string, an object or null")
				continue
			}
			patch[name] = &platform.ConfigVarInput{Value: s, Scope: platform.ScopeRuntime}
		case len(m) > 0 && m[0] == '{':
			var b configVarBody
			dec := json.NewDecoder(bytes.NewReader(m))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&b); err != nil {
				v.Add(field, "must be an object with value (a string), secret (a boolean) and scope (runtime, build or both)")
				continue
			}
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				v.Add(field, "has trailing data")
				continue
			}
			if b.Value == nil {
				v.Add(field+".value", "is required (a string)")
				continue
			}
			in := &platform.ConfigVarInput{Value: *b.Value, Scope: platform.ScopeRuntime}
			if b.Secret != nil {
				in.Secret = *b.Secret
			}
			if b.Scope != nil {
				in.Scope = platform.ConfigScope(*b.Scope)
			}
			patch[name] = in
		default:
			v.Add(field, "must be a string, an object or null")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return patch, nil
}

func (a api) configService() platform.ConfigService {
	return platform.ConfigService{Store: a.Store, Sealer: a.Sealer, Fingerprints: a.Fingerprints, Now: a.Now}
}
