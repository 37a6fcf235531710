package sim

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

const (
	appID   = "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"
	imageID = "0190f0c5-0000-7000-8000-000000000001"
)

func buildRequest() pipeline.BuildRequest {
	return pipeline.BuildRequest{ApplicationID: appID, ImageID: imageID, Repository: "acme/api", Ref: "main"}
}

func TestBuilderLifecycle(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	pinned := buildRequest()
	pinned.CommitSHA = sha
	cred, err := NewSources(newClock().Now).RepositoryToken(context.Background(), 42, "acme/api")
	if err != nil {
		t.Fatal(err)
	}
	private := func(c *pipeline.SourceCredential) pipeline.BuildRequest {
		r := buildRequest()
		r.Private, r.Credential = true, c
		return r
	}
	otherRepo := cred
	otherRepo.Repository = "globex/api"
	for _, tc := range []struct {
		name       string
		fail       FailRules
		req        pipeline.BuildRequest
		wantPhase  pipeline.BuildPhase
		wantReason string
		wantCommit string
	}{
		{name: "succeeds at the pinned commit", req: pinned, wantPhase: pipeline.BuildSucceeded, wantCommit: sha},
		{name: "succeeds at a made-up commit", req: buildRequest(), wantPhase: pipeline.BuildSucceeded,
			wantCommit: digestHex("acme/api", "main", imageID)[:40]},
		{name: "all fail", fail: FailRules{All: true}, req: buildRequest(), wantPhase: pipeline.BuildFailed,
			wantReason: "simulated build failure: every build fails (SLIPWAY_SIM_FAIL_BUILD=all)"},
		{name: "repository rule, any case", fail: FailRules{Repositories: []string{"ACME/API"}}, req: buildRequest(), wantPhase: pipeline.BuildFailed,
			wantReason: "simulated build failure: builds of repository acme/api fail (SLIPWAY_SIM_FAIL_BUILD repo=ACME/API)"},
		{name: "branch rule", fail: FailRules{Branches: []string{"main"}}, req: buildRequest(), wantPhase: pipeline.BuildFailed,
			wantReason: "simulated build failure: builds of branch main fail (SLIPWAY_SIM_FAIL_BUILD branch=main)"},
		{name: "private with its repository's credential", req: private(&cred), wantPhase: pipeline.BuildSucceeded,
			wantCommit: digestHex("acme/api", "main", imageID)[:40]},
		{name: "private without a credential", req: private(nil), wantPhase: pipeline.BuildFailed,
			wantReason: "simulated build failure: cloning private repository acme/api: the build carries no credential"},
		{name: "private with another repository's credential", req: private(&otherRepo), wantPhase: pipeline.BuildFailed,
			wantReason: "simulated build failure: cloning private repository acme/api: the build's credential reads globex/api only"},
		{name: "rules that do not match", fail: FailRules{Repositories: []string{"acme/web"}, Branches: []string{"dev"}}, req: buildRequest(),
			wantPhase: pipeline.BuildSucceeded, wantCommit: digestHex("acme/api", "main", imageID)[:40]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			b := NewBuilder(Config{BuildDuration: 3 * time.Second, FailBuilds: tc.fail}, clock.Now)
			ref, err := b.StartBuild(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(2999 * time.Millisecond)
			if st, _ := b.BuildStatus(context.Background(), ref); st.Phase != pipeline.BuildRunning {
				t.Fatalf("before the duration: %+v", st)
			}
			clock.Advance(time.Millisecond)
			st, err := b.BuildStatus(context.Background(), ref)
			if err != nil || st.Phase != tc.wantPhase || st.Reason != tc.wantReason {
				t.Fatalf("status = %+v, %v", st, err)
			}
			if tc.wantPhase != pipeline.BuildSucceeded {
				return
			}
			wantImage := "local.slipway.dev/" + appID + "@sha256:" + digestHex(imageID)
			if st.ImageURI != wantImage || st.CommitSHA != tc.wantCommit || !maps.Equal(st.Processes, DefaultProcesses()) {
				t.Fatalf("status = %+v", st)
			}
			if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(st.CommitSHA) {
				t.Fatalf("commit %q is not 40 hex digits", st.CommitSHA)
			}
		})
	}
}

func TestBuilderIdempotentStart(t *testing.T) {
	clock := newClock()
	b := NewBuilder(DefaultConfig(), clock.Now)
	first, _ := b.StartBuild(context.Background(), buildRequest())
	clock.Advance(2 * time.Second)
	second, _ := b.StartBuild(context.Background(), buildRequest())
	if first != second {
		t.Fatalf("refs %q and %q differ", first, second)
	}
	clock.Advance(time.Second) // 3 s after the first start, 1 s after the second
	if st, _ := b.BuildStatus(context.Background(), first); st.Phase != pipeline.BuildSucceeded {
		t.Fatalf("a repeated start restarted the build: %+v", st)
	}
}

func TestBuilderUnknownRef(t *testing.T) {
	b := NewBuilder(DefaultConfig(), nil)
	st, err := b.BuildStatus(context.Background(), "sim-build:nope")
	if err != nil || st.Phase != pipeline.BuildFailed || st.Reason != "the simulated builder has no build sim-build:nope" {
		t.Fatalf("status = %+v, %v", st, err)
	}
}

func TestBuilderConcurrentStarts(t *testing.T) {
	b := NewBuilder(Config{}, newClock().Now)
	var wg sync.WaitGroup
	refs := make([]string, 40)
	for i := range refs {
		wg.Go(func() {
			req := buildRequest()
			req.ImageID = fmt.Sprintf("image-%d", i%4)
			refs[i], _ = b.StartBuild(context.Background(), req)
			if _, err := b.BuildStatus(context.Background(), refs[i]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(b.builds) != 4 {
		t.Fatalf("%d builds for 4 image ids", len(b.builds))
	}
}
