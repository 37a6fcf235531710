package platform

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ConfigScope says where a config var is delivered: to the running
// processes, to the build, or to both.
type ConfigScope string

// The config scopes.
const (
	ScopeRuntime ConfigScope = "runtime"
	ScopeBuild   ConfigScope = "build"
	ScopeBoth    ConfigScope = "both"
)

// Valid reports whether s is a known scope.
func (s ConfigScope) Valid() bool { return s == ScopeRuntime || s == ScopeBuild || s == ScopeBoth }

// Runtime reports whether vars of this scope reach the running processes.
func (s ConfigScope) Runtime() bool { return s == ScopeRuntime || s == ScopeBoth }

// Build reports whether vars of this scope reach the build.
func (s ConfigScope) Build() bool { return s == ScopeBuild || s == ScopeBoth }

// Config limits (API.md "Config vars and secrets").
const (
	MaxConfigNameLen    = 255
	MaxConfigValueBytes = 32 << 10
	MaxConfigVars       = 500
	// MaxConfigBytes bounds the names and values of a config in all.
	MaxConfigBytes = 256 << 10
	// MaxConfigPatchBody bounds a PATCH body (larger: 413).
	MaxConfigPatchBody = 1 << 20
)

var configNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// SealedValue is a secret value encrypted for storage: Box is the value
// sealed with a data key (AES-256-GCM, nonce first), Key that data key
// wrapped by the key service. Only the pipeline can unwrap Key.
type SealedValue struct {
	Key []byte
	Box []byte
}

// ConfigVar is one variable of a config version. A secret has Sealed and
// an empty Value; a plain var has Value and no Sealed.
type ConfigVar struct {
	Value  string
	Sealed *SealedValue
	Secret bool
	Scope  ConfigScope
	// Size is the value's length in bytes (counted against the limits).
	Size int
	// Fingerprint is keyed: equal for equal values of one application,
	// and it reveals nothing about a guessable value without the key.
	Fingerprint string
	Updated     time.Time
	UpdatedBy   string
}

// ConfigChanges are the names a config version added, removed and changed,
// each sorted.
type ConfigChanges struct {
	Added   []string
	Removed []string
	Changed []string
}

// Empty reports whether nothing changed.
func (c ConfigChanges) Empty() bool {
	return len(c.Added) == 0 && len(c.Removed) == 0 && len(c.Changed) == 0
}

// ConfigVersion is the history entry of one config version: who made it
// and which names it touched (never values).
type ConfigVersion struct {
	Version   int64
	Created   time.Time
	CreatedBy string
	Changes   ConfigChanges
}

// Config is one immutable version of an application's config vars.
// Version 0 is the empty config of a new application.
type Config struct {
	ApplicationID string
	Version       int64
	Vars          map[string]ConfigVar
	Created       time.Time
	CreatedBy     string
	// Changes are the names this version changed against the one before.
	Changes ConfigChanges
}

// History returns the config's history entry.
func (c Config) History() ConfigVersion {
	return ConfigVersion{Version: c.Version, Created: c.Created, CreatedBy: c.CreatedBy, Changes: c.Changes}
}

// ConfigVarInput is one var of a config PATCH.
type ConfigVarInput struct {
	Value  string
	Secret bool
	Scope  ConfigScope
}

// ConfigPatch is a merge patch over a config's vars: a nil entry removes
// the var.
type ConfigPatch map[string]*ConfigVarInput

// ConfigField names a var in a field error ("vars.NAME"), an overlong
// name cut short.
func ConfigField(name string) string { return "vars." + printableName(name) }

// ValidConfigName returns why name cannot be a config var name, or "".
func ValidConfigName(name string) string {
	switch {
	case len(name) > MaxConfigNameLen:
		return fmt.Sprintf("the name is longer than %d characters", MaxConfigNameLen)
	case !configNameRe.MatchString(name):
		return "the name must match ^[A-Za-z_][A-Za-z0-9_]*$"
	case name == "PORT":
		return "PORT is reserved: the platform sets it"
	case strings.HasPrefix(name, "SLIPWAY_"), strings.HasPrefix(name, "KUBERNETES_"):
		return "names starting SLIPWAY_ or KUBERNETES_ are reserved"
	}
	return ""
}

// Validate checks every entry of the patch on its own (names, scope, value
// size); the limits of the whole config are checked by Apply.
func (p ConfigPatch) Validate() error {
	var v Violations
	for _, name := range slices.Sorted(maps.Keys(p)) {
		field := ConfigField(name)
		if msg := ValidConfigName(name); msg != "" {
			v.Add(field, msg)
			continue
		}
		in := p[name]
		if in == nil {
			continue
		}
		if !in.Scope.Valid() {
			v.Add(field+".scope", "must be runtime, build or both")
		}
		if len(in.Value) > MaxConfigValueBytes {
			v.Add(field, fmt.Sprintf("the value is longer than %d bytes", MaxConfigValueBytes))
		} else if strings.IndexByte(in.Value, 0) >= 0 {
			v.Add(field, "the value contains a NUL character, which no environment variable can hold")
		}
	}
	return v.Err()
}

// printableName bounds a name quoted in an error (an invalid name may be
// long); it never holds a value.
func printableName(name string) string {
	if len(name) > MaxConfigNameLen+1 {
		return name[:MaxConfigNameLen+1] + "…"
	}
	return name
}

// MinFingerprintKey is the shortest fingerprint key the service accepts.
const MinFingerprintKey = 32

// Fingerprinter computes the keyed fingerprints of config values.
type Fingerprinter struct {
	// Key is the platform's fingerprint key; each application's
	// fingerprints use a key derived from it and the application id.
	Key []byte
}

// Fingerprint returns the fingerprint of value in the application: the
// first 128 bits of HMAC-SHA256 under HMAC-SHA256(Key, appID), base64url.
func (f Fingerprinter) Fingerprint(appID, value string) string {
	m := hmac.New(sha256.New, f.appKey(appID))
	m.Write([]byte(value))
	return fingerprintPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// fingerprintPrefix starts every fingerprint.
const fingerprintPrefix = "hmac-sha256:"

// appKey is the application's fingerprint key, HMAC-SHA256(Key, appID).
func (f Fingerprinter) appKey(appID string) []byte {
	k := hmac.New(sha256.New, f.Key)
	k.Write([]byte("slipway config fingerprint\x00" + appID))
	return k.Sum(nil)
}

// ConfigEdit is a validated patch about to be applied: the fingerprint of
// every value it sets, and the sealed values of its secrets as far as they
// have been sealed.
type ConfigEdit struct {
	Patch        ConfigPatch
	Fingerprints map[string]string
	Sealed       map[string]SealedValue
}

// NewConfigEdit validates p and fingerprints its values.
func NewConfigEdit(p ConfigPatch, fp Fingerprinter, appID string) (*ConfigEdit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	e := &ConfigEdit{Patch: p, Fingerprints: map[string]string{}, Sealed: map[string]SealedValue{}}
	for name, in := range p {
		if in != nil {
			e.Fingerprints[name] = fp.Fingerprint(appID, in.Value)
		}
	}
	return e, nil
}

// sets reports whether the entry for name changes cur's var.
func (e *ConfigEdit) sets(cur map[string]ConfigVar, name string) bool {
	in := e.Patch[name]
	old, ok := cur[name]
	if in == nil {
		return ok
	}
	return !ok || old.Secret != in.Secret || old.Scope != in.Scope || old.Fingerprint != e.Fingerprints[name]
}

// ToSeal returns the secret values the edit sets on cur that are not
// sealed yet, by name.
func (e *ConfigEdit) ToSeal(cur Config) map[string]string {
	out := map[string]string{}
	for name, in := range e.Patch {
		if in != nil && in.Secret && e.sets(cur.Vars, name) {
			if _, done := e.Sealed[name]; !done {
				out[name] = in.Value
			}
		}
	}
	return out
}

// Apply returns the version after cur with the edit applied, made at by
// by; changed is false when the edit changes nothing (no new version).
// Every secret the edit sets must be sealed (see ToSeal). The limits of
// the whole config are checked here, each a validation error naming the
// first var of the patch that adds or grows.
func (e *ConfigEdit) Apply(cur Config, at time.Time, by string) (next Config, changed bool, err error) {
	next = Config{ApplicationID: cur.ApplicationID, Version: cur.Version + 1, Vars: maps.Clone(cur.Vars), Created: at, CreatedBy: by}
	if next.Vars == nil {
		next.Vars = map[string]ConfigVar{}
	}
	var grows []string
	for _, name := range slices.Sorted(maps.Keys(e.Patch)) {
		if !e.sets(cur.Vars, name) {
			continue
		}
		in := e.Patch[name]
		_, existed := cur.Vars[name]
		switch {
		case in == nil:
			delete(next.Vars, name)
			next.Changes.Removed = append(next.Changes.Removed, name)
			continue
		case existed:
			next.Changes.Changed = append(next.Changes.Changed, name)
		default:
			next.Changes.Added = append(next.Changes.Added, name)
		}
		if !existed || len(in.Value) > cur.Vars[name].Size {
			grows = append(grows, name)
		}
		v := ConfigVar{Secret: in.Secret, Scope: in.Scope, Size: len(in.Value), Fingerprint: e.Fingerprints[name], Updated: at, UpdatedBy: by}
		if in.Secret {
			s, ok := e.Sealed[name]
			if !ok {
				return Config{}, false, fmt.Errorf("platform: config var %s is a secret that was not sealed", name)
			}
			v.Sealed = &s
		} else {
			v.Value = in.Value
		}
		next.Vars[name] = v
	}
	if next.Changes.Empty() {
		return cur, false, nil
	}
	if len(grows) > 0 {
		field := ConfigField(grows[0])
		if n := len(next.Vars); n > MaxConfigVars {
			return Config{}, false, Invalid(field, fmt.Sprintf("the config would have %d vars; at most %d", n, MaxConfigVars))
		}
		if n := next.Bytes(); n > MaxConfigBytes {
			return Config{}, false, Invalid(field, fmt.Sprintf("the config's names and values would take %d bytes; at most %d", n, MaxConfigBytes))
		}
	}
	return next, true, nil
}

// Bytes is the size of the config's names and values, in bytes.
func (c Config) Bytes() int {
	n := 0
	for name, v := range c.Vars {
		n += len(name) + v.Size
	}
	return n
}

// Names returns the config's var names, sorted.
func (c Config) Names() []string { return slices.Sorted(maps.Keys(c.Vars)) }
