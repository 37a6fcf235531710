package apiclient_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/apiclient"
	"gopkg.in/yaml.v3"
)

// generateCommand is the //go:generate line of generate.go, as arguments.
func generateCommand(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("generate.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, "//go:generate "); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatal("generate.go has no //go:generate line")
	return nil
}

// TestClientIsFresh regenerates the client from openapi.yaml with the
// pinned generator and fails when client.gen.go differs: run `make
// generate` after changing openapi.yaml.
func TestClientIsFresh(t *testing.T) {
	args := generateCommand(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "client.gen.go")
	// The same command and configuration, writing into dir: the
	// configuration's output wins over -o, so a copy names the file.
	for i := range args {
		if args[i] == "-config" && i+1 < len(args) {
			args[i+1] = tempConfig(t, args[i+1], dir, out)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/apiclient/client.gen.go is stale: openapi.yaml changed; run `make generate` and commit the result")
	}
}

// tempConfig copies the generator's configuration into dir with its
// output set to out.
func tempConfig(t *testing.T, path, dir, out string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(src, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["output"] = out
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "oapi-codegen.yaml")
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return copyPath
}

// TestEveryOperationHasAMethod: each operationId of openapi.yaml is a
// method of the client (a spec edit without regeneration fails here even
// where the generator cannot run).
func TestEveryOperationHasAMethod(t *testing.T) {
	src, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(src, &spec); err != nil {
		t.Fatal(err)
	}
	client := reflect.TypeOf(&apiclient.ClientWithResponses{})
	n := 0
	for path, ops := range spec.Paths {
		for method, op := range ops {
			fields, _ := op.(map[string]any)
			id, _ := fields["operationId"].(string)
			if id == "" {
				continue
			}
			n++
			name := strings.ToUpper(id[:1]) + id[1:] + "WithResponse"
			if _, ok := client.MethodByName(name); !ok {
				t.Errorf("%s %s (operationId %s): the client has no %s; run `make generate`", strings.ToUpper(method), path, id, name)
			}
		}
	}
	if n == 0 {
		t.Fatal("openapi.yaml has no operations")
	}
}
