package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestDeployShowsTheLog: a deploy's plain output carries the pipeline's
// log lines as they arrive, the failure reason of a failed build among
// them.
func TestDeployShowsTheLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, repo string
		code       int
		want       []string
	}{
		{"logged", "acme/web", 0, []string{"| build    Cloning acme/web at main", "| build    Step 1/8", "| deploy   Rolling out release v1", ": Ready"}},
		{"logged-broken", brokenRepo, 1, []string{"| build    ERROR: simulated build failure: builds of repository " + brokenRepo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref := newApp(t, tc.name, tc.repo)
			r := slipway(t, nil, "deploy", ref).must(t, tc.code)
			for _, want := range tc.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("deploy output lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

func TestLogsCommand(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "logs", "acme/web")
	slipway(t, nil, "deploy", ref).must(t, 0)
	var status struct {
		PipelineID string `json:"pipeline_id"`
	}
	if err := json.Unmarshal([]byte(slipway(t, nil, "status", ref, "--json").must(t, 0).stdout), &status); err != nil || status.PipelineID == "" {
		t.Fatalf("status --json: %v", err)
	}
	all := slipway(t, nil, "logs", ref, "--pipeline", status.PipelineID).must(t, 0).stdout
	for _, want := range []string{"build    Cloning acme/web", "deploy   Rolling out release v1", "rollout of release v1 complete"} {
		if !strings.Contains(all, want) {
			t.Errorf("logs --pipeline lacks %q:\n%s", want, all)
		}
	}
	// -f on an ended pipeline prints the same and returns once complete.
	if followed := slipway(t, nil, "logs", ref, "--pipeline", status.PipelineID, "-f").must(t, 0).stdout; followed != all {
		t.Errorf("-f on an ended pipeline:\n%s\nwant\n%s", followed, all)
	}
	deploy := slipway(t, nil, "logs", ref, "--pipeline", status.PipelineID, "--stage", "deploy").must(t, 0).stdout
	if strings.Contains(deploy, "build  ") || !strings.Contains(deploy, "deploy   ") {
		t.Errorf("--stage deploy:\n%s", deploy)
	}
	for _, line := range strings.Split(strings.TrimSpace(slipway(t, nil, "logs", ref, "--pipeline", status.PipelineID, "--json").must(t, 0).stdout), "\n") {
		var page struct {
			Lines    []any `json:"lines"`
			Complete *bool `json:"complete"`
		}
		if err := json.Unmarshal([]byte(line), &page); err != nil || page.Complete == nil {
			t.Fatalf("--json line %q: %v", line, err)
		}
	}
	runtime := slipway(t, nil, "logs", ref, "--process", "web").must(t, 0).stdout
	if !strings.Contains(runtime, "  web/") || !strings.Contains(runtime, " v1  ") {
		t.Errorf("runtime log:\n%s", runtime)
	}
	for _, bad := range [][]string{
		{"logs", ref, "--pipeline", "nope"},
		{"logs", ref, "--stage", "build"},
		{"logs", ref, "--pipeline", status.PipelineID, "--process", "web"},
	} {
		slipway(t, nil, bad...).must(t, 2)
	}
	// A process the release lacks is one line naming the known ones.
	for _, args := range [][]string{{"logs", ref, "--process", "nope"}, {"logs", ref, "--process", "nope", "-f"}} {
		r := slipway(t, nil, args...).must(t, 2)
		if msg := strings.TrimSpace(r.stderr); strings.Contains(msg, "\n") || r.stdout != "" ||
			!strings.Contains(msg, `--process "nope": release v1 of `+ref+` has no such process (its processes: web`) {
			t.Errorf("%v: stdout %q, stderr %q", args, r.stdout, r.stderr)
		}
	}
	if r := slipway(t, nil, "logs", ref, "--pipeline", "0190f0c5-0000-7000-8000-00000000000f"); r.code != 3 {
		t.Errorf("an unknown pipeline: exit %d (%s)", r.code, r.stderr)
	}
}

// TestLogsFollowInterrupted: Ctrl-C ends `logs -f` with the exit status
// of an interrupt, 130, as the README's table says.
func TestLogsFollowInterrupted(t *testing.T) {
	t.Parallel()
	ref := newApp(t, "logsint", "acme/web")
	slipway(t, nil, "deploy", ref).must(t, 0)
	cmd := exec.Command(binary, "logs", ref, "-f")
	cmd.Env = cliEnv(t, nil)
	code, stderr := interruptAt(t, cmd, "  web/")
	if code != 130 || !strings.Contains(stderr, "interrupted") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
