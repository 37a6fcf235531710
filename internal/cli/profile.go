package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Environment variables that override the stored profile.
const (
	EnvURL     = "SLIPWAY_URL"
	EnvToken   = "SLIPWAY_TOKEN"
	EnvProfile = "SLIPWAY_PROFILE"
)

// DefaultProfile is the profile used without --profile.
const DefaultProfile = "default"

// Profile is one API endpoint and the token used there.
type Profile struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// profileFile is the stored form of config.json.
type profileFile struct {
	Profiles map[string]Profile `json:"profiles"`
}

// configDir is $XDG_CONFIG_HOME/slipway, else ~/.config/slipway.
func configDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "slipway"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no configuration directory: set XDG_CONFIG_HOME or HOME")
		}
		home = h
	}
	return filepath.Join(home, ".config", "slipway"), nil
}

// profiles is the profile store at dir/config.json.
type profiles struct{ path string }

func openProfiles(getenv func(string) string) (profiles, error) {
	dir, err := configDir(getenv)
	if err != nil {
		return profiles{}, err
	}
	return profiles{path: filepath.Join(dir, "config.json")}, nil
}

func (p profiles) load() (profileFile, error) {
	f := profileFile{Profiles: map[string]Profile{}}
	b, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("%s: %v (remove it and log in again)", p.path, err)
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Profile{}
	}
	return f, nil
}

// save stores profile name, readable by the user only (0600 in a 0700
// directory), replacing the file atomically.
func (p profiles) save(name string, prof Profile) error {
	f, err := p.load()
	if err != nil {
		return err
	}
	f.Profiles[name] = prof
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(p.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.path)
}

// names lists the stored profiles, sorted.
func (f profileFile) names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// notLoggedInError is a command that needs a URL or token nobody gave.
type notLoggedInError struct{ profile, missing string }

func (e *notLoggedInError) Error() string {
	return fmt.Sprintf("no %s for profile %q: run `slipway login` (or set %s and %s)", e.missing, e.profile, EnvURL, EnvToken)
}

// resolveProfile is the profile the command uses: the stored one, with
// SLIPWAY_URL and SLIPWAY_TOKEN overriding its fields.
func resolveProfile(getenv func(string) string, name string) (Profile, error) {
	ps, err := openProfiles(getenv)
	if err != nil {
		return Profile{}, err
	}
	f, err := ps.load()
	if err != nil {
		return Profile{}, err
	}
	prof := f.Profiles[name]
	if u := getenv(EnvURL); u != "" {
		prof.URL = u
	}
	if t := getenv(EnvToken); t != "" {
		prof.Token = t
	}
	switch {
	case prof.URL == "":
		return prof, &notLoggedInError{profile: name, missing: "API URL"}
	case prof.Token == "":
		return prof, &notLoggedInError{profile: name, missing: "token"}
	}
	return prof, nil
}
