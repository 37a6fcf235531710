package github

import "strings"

// Limits GitHub documents for the file lists of a push webhook payload.
const (
	// MaxPushCommits is the most commits a push payload's commits array
	// holds ("The array includes a maximum of 2048 commits. If necessary,
	// you can use the Commits API to fetch additional commits.").
	MaxPushCommits = 2048
	// MaxCommitFiles is the most changed files reported for one commit
	// ("A maximum of 3000 changed files will be reported per commit.").
	MaxCommitFiles = 3000
)

// ZeroSHA is the object name GitHub sends for a ref that did not exist
// before a push (before) or no longer exists after it (after).
const ZeroSHA = "0000000000000000000000000000000000000000"

// PushEvent is a "push" event: one ref updated, created or deleted.
type PushEvent struct {
	Ref          string           `json:"ref"`    // "refs/heads/main", "refs/tags/v1"
	Before       string           `json:"before"` // ZeroSHA when the ref was created
	After        string           `json:"after"`  // ZeroSHA when the ref was deleted
	Created      bool             `json:"created"`
	Deleted      bool             `json:"deleted"`
	Forced       bool             `json:"forced"`
	Repository   Repository       `json:"repository"`
	Pusher       Pusher           `json:"pusher"`
	Sender       User             `json:"sender"`
	HeadCommit   *Commit          `json:"head_commit"` // nil for a deletion
	Commits      []Commit         `json:"commits"`
	Installation *InstallationRef `json:"installation"` // set for deliveries to a GitHub App
}

// Pusher is the git identity that pushed (a name, not always a login).
type Pusher struct {
	Name string `json:"name"`
}

// Commit is one pushed commit and the files it changed. A list is nil when
// the payload does not carry it (absent or null), empty when it is [].
type Commit struct {
	ID       string   `json:"id"`
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	Modified []string `json:"modified"`
}

// Branch returns the branch name of a refs/heads/ ref; false for tags and
// every other ref.
func (p *PushEvent) Branch() (string, bool) {
	name, ok := strings.CutPrefix(p.Ref, "refs/heads/")
	if !ok || name == "" {
		return "", false
	}
	return name, true
}

// IsBranchDeletion reports whether the push deleted a branch.
func (p *PushEvent) IsBranchDeletion() bool {
	_, branch := p.Branch()
	return branch && (p.Deleted || p.After == ZeroSHA)
}

// TouchesPath reports whether the push may change a file under subdir, a
// repository-relative directory ("web" or "web/"): a file matches when its
// path is subdir or starts with subdir followed by "/", so "web" matches
// "web/x" but not "webapp/x". An empty subdir (or ".") is the whole
// repository. When FileListsMayBeIncomplete, it answers true: deploying
// once too often is cheap, missing a change is not. It does not look at
// deletions: check IsBranchDeletion first.
func (p *PushEvent) TouchesPath(subdir string) bool {
	dir := strings.TrimRight(strings.TrimPrefix(subdir, "./"), "/")
	if dir == "" || dir == "." || p.FileListsMayBeIncomplete() {
		return true
	}
	for _, c := range p.Commits {
		for _, list := range [][]string{c.Added, c.Removed, c.Modified} {
			for _, file := range list {
				if rest, ok := strings.CutPrefix(file, dir); ok && (rest == "" || rest[0] == '/') {
					return true
				}
			}
		}
	}
	return false
}

// FileListsMayBeIncomplete reports whether the payload's file lists cannot
// be trusted to name every file whose content differs between before and
// after.
//
// What GitHub documents (webhook-events-and-payloads#push and the
// webhook-push schema in github/rest-api-description): the commits array
// "includes a maximum of 2048 commits" (the often-quoted limit of 20 is the
// Events API timeline's, which the docs say "isn't applied to webhook
// deliveries"), and each commit's added, removed and modified lists report
// "a maximum of 3000 changed files". The webhook payload has no size,
// distinct_size or truncated field (size and distinct_size belong to the
// Events API's PushEvent), so truncation can only be inferred from the
// lists reaching those caps. Payloads re-served by GitHub Actions omit the
// file lists altogether.
//
// The rule implemented: the lists may be incomplete when
//   - the commits array is empty (a branch moved to an existing commit: its
//     tree changed, but no commit is listed);
//   - it holds MaxPushCommits or more commits;
//   - the push created the ref (commits are then listed against the
//     default branch, or not at all, and the branch has no previous deploy);
//   - the push was forced (the files of commits it dropped are not listed,
//     yet the tree lost their changes);
//   - a commit carries none of the three lists, or MaxCommitFiles or more
//     files in them together (which also covers a cap per list).
func (p *PushEvent) FileListsMayBeIncomplete() bool {
	if len(p.Commits) == 0 || len(p.Commits) >= MaxPushCommits || p.Created || p.Forced {
		return true
	}
	for _, c := range p.Commits {
		if c.Added == nil && c.Removed == nil && c.Modified == nil {
			return true
		}
		if len(c.Added)+len(c.Removed)+len(c.Modified) >= MaxCommitFiles {
			return true
		}
	}
	return false
}

// DeliveredTo reports whether the push was delivered for the GitHub App
// installation installationID: an application deploys a push only through
// its own installation, so a push without one (a repository webhook) or
// through another installation deploys nothing of it.
func (p *PushEvent) DeliveredTo(installationID *int64) bool {
	return installationID != nil && p.Installation != nil && p.Installation.ID > 0 && p.Installation.ID == *installationID
}
