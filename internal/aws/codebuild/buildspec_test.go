package codebuild

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

const buildspecPath = "../../../infra/buildspec.yml"

// buildConfigHelper cuts the build config helper out of the buildspec: the
// lines between its BEGIN and END markers, less the YAML indentation.
func buildConfigHelper(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(buildspecPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "# BEGIN build config helper":
			begin = i
		case "# END build config helper":
			end = i
		}
	}
	if begin < 0 || end < begin {
		t.Fatalf("%s: no BEGIN/END build config helper markers", buildspecPath)
	}
	indent := lines[begin][:len(lines[begin])-len(strings.TrimLeft(lines[begin], " "))]
	var b strings.Builder
	for _, l := range lines[begin : end+1] {
		b.WriteString(strings.TrimPrefix(l, indent) + "\n")
	}
	return b.String()
}

// TestBuildspecBuildConfig runs the buildspec's helper on what StartBuild
// stores: build arguments become --build-arg flags, secrets 0600 files on
// the build's directory passed as --secret id=NAME; the check after the
// build fails when a secret value is in the image history (a secret used
// as an ARG) and passes when it is not (RUN --mount=type=secret).
func TestBuildspecBuildConfig(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed: the buildspec's build config helper cannot run")
	}
	dir := t.TempDir()
	helper := filepath.Join(dir, "helper.py")
	if err := os.WriteFile(helper, []byte(buildConfigHelper(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	req := request()
	req.Config = pipeline.BuildConfig{ConfigVersion: 3,
		Args:    pipeline.NewEnv(map[string]string{"NODE_ENV": "production", "MULTI": "a b\nc"}),
		Secrets: pipeline.NewEnv(map[string]string{"NPM_TOKEN": "npm_s3cr3t", "PIN": "42"})}
	value, err := buildSecretOf(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc buildSecret
	if err := json.Unmarshal([]byte(value), &doc); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "build")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command("python3", append([]string{helper}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	out, err := run([]string{"SLIPWAY_BUILD_CONFIG=" + doc.Config}, "prepare", work)
	if err != nil || strings.TrimSpace(out) != "build arguments: MULTI, NODE_ENV; build secrets: NPM_TOKEN, PIN" {
		t.Fatalf("prepare: %v\n%s", err, out)
	}
	flags, _ := os.ReadFile(filepath.Join(work, "flags"))
	secrets := filepath.Join(work, "secrets")
	want := strings.Join([]string{"--build-arg", "MULTI=a b\nc", "--build-arg", "NODE_ENV=production",
		"--secret", "id=NPM_TOKEN,src=" + filepath.Join(secrets, "NPM_TOKEN"), "--secret", "id=PIN,src=" + filepath.Join(secrets, "PIN")}, "\x00") + "\x00"
	if string(flags) != want {
		t.Fatalf("flags %q\nwant %q", flags, want)
	}
	for name, v := range map[string]string{"NPM_TOKEN": "npm_s3cr3t", "PIN": "42"} {
		p := filepath.Join(secrets, name)
		got, _ := os.ReadFile(p)
		st, err := os.Stat(p)
		if err != nil || string(got) != v || st.Mode().Perm() != 0o600 {
			t.Fatalf("secret file %s: %q %v %v", name, got, st.Mode(), err)
		}
	}

	// A fake docker prints the history the test chooses.
	bin := filepath.Join(dir, "bin")
	history := filepath.Join(dir, "history")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nif [ \"$1\" = history ]; then cat " + history + "; else echo '[{\"Config\": {\"Env\": [\"PATH=/usr/bin\"]}}]'; fi\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	path := "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")
	for _, tc := range []struct {
		name, history string
		ok            bool
	}{
		{"mounted secret", "RUN /bin/sh -c npm ci # buildkit\nARG NODE_ENV=production\n", true},
		// PIN is two characters: too short to check (it occurs by chance).
		{"short value not checked", "RUN /bin/sh -c echo 42\n", true},
		{"secret as a build arg", "RUN |1 NPM_TOKEN=npm_s3cr3t /bin/sh -c npm ci\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(history, []byte(tc.history), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := run([]string{path}, "check", work, "repo:tag")
			if (err == nil) != tc.ok {
				t.Fatalf("check: %v\n%s", err, out)
			}
			if strings.Contains(out, "npm_s3cr3t") {
				t.Fatalf("the check printed the value: %s", out)
			}
			if !tc.ok && !strings.Contains(out, "NPM_TOKEN") {
				t.Fatalf("the check does not name the leaked secret: %s", out)
			}
		})
	}

	// A build without build config: no flags, no secrets.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := run([]string{"SLIPWAY_BUILD_CONFIG="}, "prepare", empty); err != nil || !strings.Contains(out, "build arguments: none; build secrets: none") {
		t.Fatalf("prepare without config: %v %s", err, out)
	}
	if flags, _ := os.ReadFile(filepath.Join(empty, "flags")); len(flags) != 0 {
		t.Fatalf("flags %q", flags)
	}
}
