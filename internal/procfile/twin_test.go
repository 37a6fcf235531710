package procfile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway"
)

// TestBuildspecParserTwin runs the Procfile parser embedded in
// infra/buildspec.yml over every parse case and requires the Go parser's
// processes or error message. It needs python3 (as the build image has).
func TestBuildspecParserTwin(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the buildspec's Procfile parser cannot be compared")
	}
	script := filepath.Join(t.TempDir(), "procfile.py")
	if err := os.WriteFile(script, []byte(embeddedParser(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Procfile")
			if err := os.WriteFile(path, []byte(tc.input), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(python, script, path)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if tc.wantErr != "" {
				var exit *exec.ExitError
				if !errors.As(err, &exit) || strings.TrimSuffix(stderr.String(), "\n") != tc.wantErr {
					t.Fatalf("python: %v, stderr %q, want %q", err, stderr.String(), tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("python: %v: %s", err, stderr.String())
			}
			got, err := DecodeExported(strings.TrimSpace(stdout.String()))
			if err != nil || !maps.Equal(got, tc.want) {
				t.Fatalf("python gave %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// embeddedParser cuts the parser out of the buildspec.
func embeddedParser(t *testing.T) string {
	t.Helper()
	block, ok := slipway.BuildspecBlock("procfile parser")
	if !ok {
		t.Fatal("infra/buildspec.yml: no BEGIN/END procfile parser markers")
	}
	return block
}

func TestDecodeExported(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	valid, _ := json.Marshal(map[string]string{"web": "./web"})
	for _, tc := range []struct {
		name, value, wantErr string
	}{
		{"valid", enc(string(valid)), ""},
		{"not base64", "{not base64", "SLIPWAY_PROCESSES is not base64: illegal base64 data at input byte 0"},
		{"not an object", enc(`["web"]`), "SLIPWAY_PROCESSES is not a JSON object of strings: json: cannot unmarshal array into Go value of type map[string]string"},
		{"invalid process", enc(`{"Web":"x"}`), `Procfile: process name "Web" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{"empty", "", "Procfile: declares no processes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeExported(tc.value)
			if got := errString(err); got != tc.wantErr {
				t.Fatalf("DecodeExported = %q, want %q", got, tc.wantErr)
			}
		})
	}
}
