package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Env is a set of decrypted config vars, name to value, on their way to a
// release's pods or a build. It is a secret: every way fmt (any verb,
// %+v and %#v included), slog and encoding/json print it shows the
// names only, so a Workload or BuildRequest can be printed and logged.
// The zero Env is empty.
type Env struct{ vars map[string]string }

// NewEnv returns an Env holding a copy of vars.
func NewEnv(vars map[string]string) Env {
	if len(vars) == 0 {
		return Env{}
	}
	return Env{vars: maps.Clone(vars)}
}

// Len is the number of vars.
func (e Env) Len() int { return len(e.vars) }

// Names are the vars' names, sorted.
func (e Env) Names() []string { return slices.Sorted(maps.Keys(e.vars)) }

// Value returns the value of the var name.
func (e Env) Value(name string) (string, bool) {
	v, ok := e.vars[name]
	return v, ok
}

// Values returns a copy of the vars, name to value: for the adapters that
// deliver them (a Kubernetes Secret, a build's secret), never to print.
func (e Env) Values() map[string]string { return maps.Clone(e.vars) }

// Bytes is the size of the names and values in all.
func (e Env) Bytes() int {
	n := 0
	for k, v := range e.vars {
		n += len(k) + len(v)
	}
	return n
}

// String shows the names only.
func (e Env) String() string { return "Env{" + strings.Join(e.Names(), ", ") + "}" }

// GoString shows the names only.
func (e Env) GoString() string { return "pipeline." + e.String() }

// Format shows the names only, whatever the verb.
func (e Env) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, e.GoString())
		return
	}
	_, _ = io.WriteString(f, e.String())
}

// LogValue shows the names only.
func (e Env) LogValue() slog.Value { return slog.StringValue(e.String()) }

// MarshalJSON is the list of names.
func (e Env) MarshalJSON() ([]byte, error) { return json.Marshal(e.Names()) }

// BuildConfig is what a build gets of the config: the build and both
// scope vars of ConfigVersion, non-secrets as build arguments and secrets
// as build secrets (never in an image layer or the build log).
type BuildConfig struct {
	ConfigVersion int64
	Args          Env
	Secrets       Env
}

// Empty reports whether the build gets no config var.
func (c BuildConfig) Empty() bool { return c.Args.Len() == 0 && c.Secrets.Len() == 0 }

// ConfigReader reads one config version (platform.Configs' GetConfig).
type ConfigReader interface {
	GetConfig(ctx context.Context, appID string, version int64) (platform.Config, error)
}

// ConfigOpener reads the config version a release or build is pinned to
// and decrypts its secrets. It is the one place config secrets are opened,
// and only the pipeline has one (PipelineFunction in AWS: the only role
// that may Decrypt with the config key). A nil ConfigOpener delivers
// version 0 (no vars) and refuses every other version, so a release never
// starts without the config it is pinned to.
type ConfigOpener struct {
	Store    ConfigReader
	Unsealer platform.Unsealer
}

// ErrNoConfigOpener is the error of a release or build pinned to a config
// version where no ConfigOpener is configured.
var ErrNoConfigOpener = errors.New("pipeline: the release is pinned to config vars but this pipeline cannot read configs")

// open reads version of the application and returns its vars whose scope
// satisfies in, split into plain values and secrets (decrypted with one
// Unseal call, so one key-service call per distinct data key). Version 0
// reads nothing.
func (o *ConfigOpener) open(ctx context.Context, appID string, version int64, in func(platform.ConfigScope) bool) (plain, secret map[string]string, err error) {
	if version == 0 {
		return nil, nil, nil
	}
	if o == nil || o.Store == nil || o.Unsealer == nil {
		return nil, nil, ErrNoConfigOpener
	}
	cfg, err := o.Store.GetConfig(ctx, appID, version)
	if err != nil {
		return nil, nil, fmt.Errorf("reading config v%d: %w", version, err)
	}
	plain, secret = map[string]string{}, map[string]string{}
	sealed := map[string]platform.SealedValue{}
	for name, v := range cfg.Vars {
		switch {
		case !in(v.Scope):
		case !v.Secret:
			plain[name] = v.Value
		case v.Sealed == nil:
			return nil, nil, fmt.Errorf("config v%d: secret %s has no sealed value", version, name)
		default:
			sealed[name] = *v.Sealed
		}
	}
	if len(sealed) > 0 {
		opened, err := o.Unsealer.Unseal(ctx, appID, sealed)
		switch {
		case errors.Is(err, platform.ErrUnseal):
			return nil, nil, fmt.Errorf("config v%d: %w", version, err)
		case err != nil:
			// The key service failed (throttled, unreachable): worth a retry.
			return nil, nil, platform.Unavailable(fmt.Errorf("opening the secrets of config v%d: %w", version, err))
		}
		secret = opened
	}
	return plain, secret, nil
}

// Runtime returns the runtime and both-scope vars of the config version,
// secrets decrypted: what the release's processes get.
func (o *ConfigOpener) Runtime(ctx context.Context, appID string, version int64) (Env, error) {
	plain, secret, err := o.open(ctx, appID, version, platform.ConfigScope.Runtime)
	if err != nil {
		return Env{}, err
	}
	maps.Copy(plain, secret)
	return NewEnv(plain), nil
}

// Build returns the build and both-scope vars of the config version.
func (o *ConfigOpener) Build(ctx context.Context, appID string, version int64) (BuildConfig, error) {
	plain, secret, err := o.open(ctx, appID, version, platform.ConfigScope.Build)
	if err != nil {
		return BuildConfig{}, err
	}
	return BuildConfig{ConfigVersion: version, Args: NewEnv(plain), Secrets: NewEnv(secret)}, nil
}

// Workload is WorkloadOf(app, rel) with the runtime config the release is
// pinned to: what Apply needs.
func (o *ConfigOpener) Workload(ctx context.Context, app platform.Application, rel platform.Release) (Workload, error) {
	w := WorkloadOf(app, rel)
	env, err := o.Runtime(ctx, app.ID, rel.ConfigVersion)
	if err != nil {
		return Workload{}, err
	}
	w.Env = env
	return w, nil
}
