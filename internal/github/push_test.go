package github

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParsePush(t *testing.T) {
	body := []byte(`{
	  "ref": "refs/heads/main", "before": "` + ZeroSHA + `", "after": "0123456789abcdef0123456789abcdef01234567",
	  "created": true, "deleted": false, "forced": false,
	  "repository": {"id": 1, "full_name": "octo/app", "private": true},
	  "pusher": {"name": "octocat", "email": "o@example.com"},
	  "sender": {"login": "octocat", "id": 2},
	  "installation": {"id": 77},
	  "head_commit": {"id": "1a2b3c", "added": [], "removed": [], "modified": ["README.md"]},
	  "commits": [{"id": "1a2b3c", "message": "m", "added": ["web/a"], "removed": [], "modified": ["README.md"]}]
	}`)
	p, err := ParsePush(body)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %s %s %v %v %v %s %v %s %s %s %d %d %v %v",
		p.Ref, p.Before, p.After, p.Created, p.Deleted, p.Forced, p.Repository.FullName, p.Repository.Private,
		p.Pusher.Name, p.Sender.Login, p.HeadCommit.ID, p.Installation.ID, len(p.Commits), p.Commits[0].Added, p.Commits[0].Removed)
	want := "refs/heads/main " + ZeroSHA + " 0123456789abcdef0123456789abcdef01234567 true false false octo/app true octocat octocat 1a2b3c 77 1 [web/a] []"
	if got != want {
		t.Fatalf("parsed\n%s\nwant\n%s", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	parsers := map[string]func([]byte) error{
		"push":                      func(b []byte) error { _, err := ParsePush(b); return err },
		"installation":              func(b []byte) error { _, err := ParseInstallation(b); return err },
		"installation_repositories": func(b []byte) error { _, err := ParseInstallationRepositories(b); return err },
		"ping":                      func(b []byte) error { _, err := ParsePing(b); return err },
	}
	for _, tc := range []struct {
		event, body, wantErr string // wantErr "" means it parses
	}{
		{"push", `{"ref":"refs/heads/x","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"o/r"}}`, ""},
		{"push", `not json`, "invalid character"},
		{"push", `{"ref":"refs/heads/x","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"o/r"}} trailing`, "invalid character"},
		{"push", `{"ref":1}`, "cannot unmarshal"},
		{"push", `null`, "ref is missing"},
		{"push", `{"ref":"refs/heads/x","repository":{"full_name":"o/r"}}`, "after is missing"},
		{"push", `{"ref":"refs/heads/x","after":"1a2b3c","repository":{"full_name":"o/r"}}`, "after must be a commit SHA"},
		{"push", `{"ref":"refs/heads/x","after":"0123456789abcdef0123456789abcdef0123456g","repository":{"full_name":"o/r"}}`, "after must be a commit SHA"},
		{"push", `{"ref":"refs/heads/x","after":"0123456789abcdef0123456789abcdef01234567"}`, "repository.full_name is missing"},
		{"push", `{"ref":"refs/heads/x","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"o/r"},"commits":{}}`, "cannot unmarshal"},
		{"installation", `{"action":"deleted","installation":{"id":9}}`, ""},
		{"installation", `{"action":"deleted","installation":{"id":"9"}}`, "cannot unmarshal"},
		{"installation", `{"installation":{"id":9}}`, "action is missing"},
		{"installation", `{"action":"created"}`, "installation.id is missing"},
		{"installation_repositories", `{"action":"removed","installation":{"id":9},"repositories_removed":[{"full_name":"o/r"}]}`, ""},
		{"installation_repositories", `{"action":"removed","installation":{"id":0}}`, "installation.id is missing"},
		{"installation_repositories", `[]`, "cannot unmarshal"},
		{"ping", `{"zen":"Keep it logically awesome.","hook_id":123}`, ""},
		{"ping", `{}`, ""},
		{"ping", `{"hook_id":"x"}`, "cannot unmarshal"},
		{"ping", ``, "unexpected end"},
	} {
		t.Run(tc.event+" "+tc.body, func(t *testing.T) {
			err := parsers[tc.event]([]byte(tc.body))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var perr *PayloadError
			if !errors.As(err, &perr) || perr.Event != tc.event || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want a %s PayloadError containing %q", err, tc.event, tc.wantErr)
			}
		})
	}
}

func TestParseInstallationEvents(t *testing.T) {
	in, err := ParseInstallation([]byte(`{"action":"suspend","installation":{"id":9007199254740993},"sender":{"login":"o"}}`))
	if err != nil || in.Action != "suspend" || in.Installation.ID != 9007199254740993 || in.Sender.Login != "o" {
		t.Fatalf("installation %+v, %v", in, err)
	}
	ir, err := ParseInstallationRepositories([]byte(`{"action":"removed","installation":{"id":5},"repositories_removed":[{"full_name":"o/a"},{"full_name":"o/b","private":true}]}`))
	if err != nil || ir.Action != "removed" || ir.Installation.ID != 5 || fmt.Sprint(ir.RepositoriesRemoved) != "[{o/a false} {o/b true}]" {
		t.Fatalf("installation_repositories %+v, %v", ir, err)
	}
	ping, err := ParsePing([]byte(`{"zen":"Design for failure.","hook_id":42,"hook":{"type":"App"}}`))
	if err != nil || ping.Zen != "Design for failure." || ping.HookID != 42 {
		t.Fatalf("ping %+v, %v", ping, err)
	}
}

func TestBranch(t *testing.T) {
	for _, tc := range []struct {
		ref, want string
		ok        bool
	}{
		{"refs/heads/main", "main", true},
		{"refs/heads/feature/x", "feature/x", true},
		{"refs/tags/v1.0.0", "", false},
		{"refs/pull/1/head", "", false},
		{"refs/heads/", "", false},
		{"main", "", false},
		{"", "", false},
	} {
		got, ok := (&PushEvent{Ref: tc.ref}).Branch()
		if got != tc.want || ok != tc.ok {
			t.Errorf("Branch(%q) = %q, %v; want %q, %v", tc.ref, got, ok, tc.want, tc.ok)
		}
	}
}

func TestIsBranchDeletion(t *testing.T) {
	for _, tc := range []struct {
		name string
		push PushEvent
		want bool
	}{
		{"deleted branch", PushEvent{Ref: "refs/heads/x", Deleted: true, After: ZeroSHA}, true},
		{"zero after without the flag", PushEvent{Ref: "refs/heads/x", After: ZeroSHA}, true},
		{"deleted tag", PushEvent{Ref: "refs/tags/v1", Deleted: true, After: ZeroSHA}, false},
		{"update", PushEvent{Ref: "refs/heads/x", After: "1a2b"}, false},
		{"creation", PushEvent{Ref: "refs/heads/x", Created: true, Before: ZeroSHA, After: "1a2b"}, false},
	} {
		if got := tc.push.IsBranchDeletion(); got != tc.want {
			t.Errorf("%s: IsBranchDeletion = %v", tc.name, got)
		}
	}
}

func TestTouchesPath(t *testing.T) {
	commit := func(added, removed, modified []string) Commit {
		return Commit{ID: "c", Added: added, Removed: removed, Modified: modified}
	}
	files := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("other/%d", i)
		}
		return out
	}
	many := make([]Commit, MaxPushCommits)
	for i := range many {
		many[i] = commit([]string{}, []string{}, []string{"docs/x"})
	}
	docsOnly := []Commit{commit([]string{"docs/a.md"}, []string{}, []string{"README.md"})}
	for _, tc := range []struct {
		name      string
		push      PushEvent
		subdir    string
		want      bool
		truncated bool
	}{
		{"added under subdir", PushEvent{Commits: []Commit{commit([]string{"web/index.html"}, nil, nil)}}, "web", true, false},
		{"removed under subdir", PushEvent{Commits: []Commit{commit(nil, []string{"web/old.js"}, nil)}}, "web", true, false},
		{"modified in a later commit", PushEvent{Commits: append(append([]Commit{}, docsOnly...), commit(nil, nil, []string{"web/deep/a/b.go"}))}, "web", true, false},
		{"subdir is a file", PushEvent{Commits: []Commit{commit(nil, nil, []string{"web"})}}, "web", true, false},
		{"trailing slash tolerated", PushEvent{Commits: []Commit{commit(nil, nil, []string{"web/x"})}}, "web/", true, false},
		{"leading ./ tolerated", PushEvent{Commits: []Commit{commit(nil, nil, []string{"web/x"})}}, "./web", true, false},
		{"nested subdir", PushEvent{Commits: []Commit{commit(nil, nil, []string{"services/api/main.go"})}}, "services/api", true, false},
		{"miss", PushEvent{Commits: docsOnly}, "web", false, false},
		{"prefix but not a component", PushEvent{Commits: []Commit{commit([]string{"webapp/x"}, []string{"web.txt"}, []string{"web-old/y"})}}, "web", false, false},
		{"parent dir is not under subdir", PushEvent{Commits: []Commit{commit(nil, nil, []string{"services/web.go"})}}, "services/api", false, false},
		{"empty subdir is the whole repository", PushEvent{Commits: docsOnly}, "", true, false},
		{"empty commit lists", PushEvent{Commits: []Commit{commit([]string{}, []string{}, []string{})}}, "web", false, false},
		{"no commits listed", PushEvent{}, "web", true, true},
		{"2048 commits: the array may be cut", PushEvent{Commits: many}, "web", true, true},
		{"2047 commits are complete", PushEvent{Commits: many[:MaxPushCommits-1]}, "web", false, false},
		{"commit without file lists", PushEvent{Commits: append([]Commit{{ID: "c"}}, docsOnly...)}, "web", true, true},
		{"3000 files in one commit", PushEvent{Commits: []Commit{commit(files(1000), files(1000), files(1000))}}, "web", true, true},
		{"2999 files in one commit", PushEvent{Commits: []Commit{commit(files(1000), files(1000), files(999))}}, "web", false, false},
		{"created branch", PushEvent{Created: true, Commits: docsOnly}, "web", true, true},
		{"forced push", PushEvent{Forced: true, Commits: docsOnly}, "web", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.push.Ref = "refs/heads/main"
			if got := tc.push.TouchesPath(tc.subdir); got != tc.want {
				t.Errorf("TouchesPath(%q) = %v, want %v", tc.subdir, got, tc.want)
			}
			if got := tc.push.FileListsMayBeIncomplete(); got != tc.truncated {
				t.Errorf("FileListsMayBeIncomplete = %v, want %v", got, tc.truncated)
			}
		})
	}
}

// A "commits": null payload and one whose commit lists are null decode to
// nil lists, which count as "not carried".
func TestTouchesPathNullLists(t *testing.T) {
	p, err := ParsePush([]byte(`{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"o/r"},
		"commits":[{"id":"a","added":null,"removed":null,"modified":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !p.FileListsMayBeIncomplete() || !p.TouchesPath("web") {
		t.Fatal("null file lists must count as incomplete")
	}
}
