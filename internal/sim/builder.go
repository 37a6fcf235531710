package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// ImageRegistry is the made-up registry of simulated images.
const ImageRegistry = "local.slipway.dev"

// DefaultProcesses are the Procfile processes every simulated build finds.
func DefaultProcesses() map[string]string {
	return map[string]string{"web": "./bin/web", "worker": "./bin/worker"}
}

// Builder is a simulated image builder (pipeline.Builder). A build takes
// the configured duration on the clock, then succeeds with a made-up image
// of DefaultProcesses, or fails when a FailRules rule matches it.
type Builder struct {
	now      func() time.Time
	duration time.Duration
	fail     FailRules
	logs     LogSink
	// release and failRelease add a release process to matching builds.
	release, failRelease RepoRules

	mu     sync.Mutex
	builds map[string]simBuild // by build ref
}

var _ pipeline.Builder = (*Builder)(nil)

type simBuild struct {
	req     pipeline.BuildRequest
	started time.Time
	failure string
	stopped bool
	log     *script // the build's log (logs.go)
}

// NewBuilder returns a simulated builder; now nil means time.Now.
func NewBuilder(cfg Config, now func() time.Time) *Builder {
	if now == nil {
		now = time.Now
	}
	return &Builder{now: now, duration: cfg.BuildDuration, fail: cfg.FailBuilds, logs: logsOf(cfg), builds: map[string]simBuild{},
		release: cfg.ReleaseCommand, failRelease: cfg.FailReleaseCommand}
}

// StartBuild records a build; the same ImageID returns the same reference
// and keeps the first request's start time.
func (b *Builder) StartBuild(_ context.Context, req pipeline.BuildRequest) (string, error) {
	ref := "sim-build:" + req.ImageID
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.builds[ref]; !ok {
		failure := cloneFailure(req)
		if failure == "" {
			failure = b.fail.Match(req.Repository, req.Ref)
		}
		started := b.now()
		log := &script{appID: req.ApplicationID, pipelineID: req.ImageID, stage: "build", start: started, lines: buildScript(req, b.duration, failure)}
		b.builds[ref] = simBuild{req: req, started: started, failure: failure, log: log}
		b.logs.Pipeline(req.ApplicationID, req.ImageID, "build", started, "Cloning "+req.Repository+" at "+buildTarget(req))
		if line := buildConfigLine(req.Config); line != "" {
			b.logs.Pipeline(req.ApplicationID, req.ImageID, "build", started, line)
		}
	}
	return ref, nil
}

// buildTarget names what the build checks out: the pinned commit, else
// the ref.
func buildTarget(req pipeline.BuildRequest) string {
	if req.CommitSHA != "" {
		return req.CommitSHA
	}
	return req.Ref
}

// cloneFailure is why a real build could not clone the request's
// repository: a private one needs a credential for exactly that
// repository, unexpired at the start ("" when it clones).
func cloneFailure(req pipeline.BuildRequest) string {
	c := req.Credential
	switch {
	case !req.Private:
		return ""
	case c == nil:
		return "cloning private repository " + req.Repository + ": the build carries no credential"
	case !strings.EqualFold(c.Repository, req.Repository):
		return "cloning private repository " + req.Repository + ": the build's credential reads " + c.Repository + " only"
	}
	return ""
}

// BuildStatus reports the build as running until its duration has passed.
// An unknown reference is a failed build, as a deleted CodeBuild build is.
func (b *Builder) BuildStatus(_ context.Context, ref string) (pipeline.BuildStatus, error) {
	b.mu.Lock()
	build, ok := b.builds[ref]
	if ok && !build.stopped {
		build.log.flush(b.logs, b.now())
	}
	b.mu.Unlock()
	switch {
	case !ok:
		return pipeline.BuildStatus{Phase: pipeline.BuildFailed, Reason: "the simulated builder has no build " + ref}, nil
	case build.stopped:
		return pipeline.BuildStatus{Phase: pipeline.BuildFailed, Reason: "the simulated build was stopped"}, nil
	case b.now().Sub(build.started) < b.duration:
		return pipeline.BuildStatus{Phase: pipeline.BuildRunning}, nil
	case build.failure != "":
		return pipeline.BuildStatus{Phase: pipeline.BuildFailed, Reason: "simulated build failure: " + build.failure}, nil
	}
	req := build.req
	commit := req.CommitSHA
	if commit == "" {
		commit = digestHex(req.Repository, req.Ref, req.ImageID)[:40]
	}
	return pipeline.BuildStatus{
		Phase:     pipeline.BuildSucceeded,
		ImageURI:  ImageRegistry + "/" + req.ApplicationID + "@sha256:" + digestHex(req.ImageID),
		CommitSHA: commit,
		Processes: b.processes(req.Repository),
	}, nil
}

// StopBuild stops a running build, as CodeBuild's StopBuild does: it
// reports failed from then on. A finished or unknown build is left alone.
func (b *Builder) StopBuild(_ context.Context, ref string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if build, ok := b.builds[ref]; ok && b.now().Sub(build.started) < b.duration {
		build.stopped = true
		b.builds[ref] = build
		build.log.stop(b.logs, b.now(), "Build stopped: the pipeline was canceled")
	}
	return nil
}

// Stopped reports whether the build ref was stopped.
func (b *Builder) Stopped(ref string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.builds[ref].stopped
}

// digestHex is the hex SHA-256 of the parts, NUL-separated.
func digestHex(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
