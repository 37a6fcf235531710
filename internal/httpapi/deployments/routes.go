package deployments

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// Store is what this group reads and writes.
type Store interface {
	GetApplication(ctx context.Context, id string) (platform.Application, error)
	platform.Pipelines
	platform.RecordPages
}

// Deps are the group's dependencies.
type Deps struct {
	Store Store
	// Launcher starts and cancels pipelines (its Store must be Store).
	Launcher *pipeline.Launcher
	// Now is the clock (nil: the launcher's, else time.Now).
	Now func() time.Time
}

type api struct {
	Deps
	launcher *pipeline.Launcher
}

// Routes returns the group's routes.
func Routes(d Deps) []httpapi.Route {
	l := d.Launcher
	if l == nil {
		l = &pipeline.Launcher{Store: d.Store, Now: d.Now}
	}
	l = l.WithDefaults()
	if d.Now == nil {
		d.Now = l.Now
	}
	a := api{Deps: d, launcher: l}
	routes := []httpapi.Route{
		{Method: "POST", Pattern: "/applications/{application_id}/deploy", Handle: a.deploy},
		{Method: "POST", Pattern: "/applications/{application_id}/releases", Handle: a.release},
		{Method: "POST", Pattern: "/applications/{application_id}/rollback", Handle: a.rollback},
		{Method: "POST", Pattern: "/applications/{application_id}/pipelines/{pipeline_id}/cancel", Handle: a.cancel},
		{Method: "GET", Pattern: "/applications/{application_id}/deployments", Handle: a.listDeployments},
		{Method: "GET", Pattern: "/applications/{application_id}/pipeline-status", Handle: a.pipelineStatus},
		{Method: "GET", Pattern: "/applications/{application_id}/pipeline-metrics", Handle: a.pipelineMetrics},
	}
	return append(routes, a.recordRoutes()...)
}

// call is one admin action on the application of the path: the body is
// decoded (empty is {}) and checked before anything is read, the
// application id must be a UUID (else 404), and authorize lets only
// admins of its organization act.
func call(r *http.Request, decode func(*httpapi.Object)) (platform.Caller, string, pipeline.Authorize, error) {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return caller, "", nil, err
	}
	body := httpapi.Body(r)
	if len(body) == 0 {
		body = []byte("{}")
	}
	obj, err := httpapi.DecodeObject(body)
	if err != nil {
		return caller, "", nil, err
	}
	decode(obj)
	if err := obj.Done(); err != nil {
		return caller, "", nil, err
	}
	id := r.PathValue("application_id")
	if !platform.IsUUID(id) {
		return caller, "", nil, platform.NotFound("application")
	}
	return caller, id, func(app *platform.Application) error {
		return caller.Authorize(app.OrganizationSlug, true, "application")
	}, nil
}

var commitSHARe = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// validRef checks a branch or tag, given as a name or a full ref
// ("refs/heads/…", "refs/tags/…").
func validRef(ref string) string {
	name := ref
	for _, prefix := range []string{"refs/heads/", "refs/tags/"} {
		if rest, ok := strings.CutPrefix(ref, prefix); ok {
			name = rest
		}
	}
	if strings.HasPrefix(name, "refs/") {
		return "must be a branch or tag name, or a refs/heads/ or refs/tags/ ref"
	}
	return platform.ValidGitBranch(name)
}

func (a api) deploy(w http.ResponseWriter, r *http.Request) error {
	var sha, ref platform.Patch[string]
	caller, id, authorize, err := call(r, func(obj *httpapi.Object) {
		sha, ref = obj.PatchString("commit_sha"), obj.PatchString("ref")
	})
	if err != nil {
		return err
	}
	var v platform.Violations
	switch {
	case sha.Present && !sha.Null && ref.Present && !ref.Null:
		v.Add("commit_sha", "give commit_sha or ref, not both")
	case sha.Present && !sha.Null && !commitSHARe.MatchString(sha.Value):
		v.Add("commit_sha", "must be a 40-character hexadecimal commit SHA")
	case ref.Present && !ref.Null:
		if msg := validRef(ref.Value); msg != "" {
			v.Add("ref", msg)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	started, err := a.launcher.Build(r.Context(), id, platform.PipelineRequest{
		Trigger: platform.TriggerManual, TriggeredBy: caller.TokenName, CommitSHA: strings.ToLower(sha.Value), Ref: ref.Value,
	}, authorize)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"ok": true, "image_id": started.ImageID, "pipeline_id": started.PipelineID})
	return nil
}

func (a api) release(w http.ResponseWriter, r *http.Request) error {
	var version platform.Patch[int64]
	caller, id, authorize, err := call(r, func(obj *httpapi.Object) { version = obj.PatchInt64("image_version") })
	if err != nil {
		return err
	}
	if version.Present && !version.Null && version.Value < 1 {
		return platform.Invalid("image_version", "must be an image version (an integer from 1)")
	}
	started, err := a.launcher.Release(r.Context(), id, version.Value,
		platform.ReleaseRequest{Trigger: platform.TriggerManual, TriggeredBy: caller.TokenName}, authorize)
	return writeStarted(w, started, err)
}

func (a api) rollback(w http.ResponseWriter, r *http.Request) error {
	var version platform.Patch[int64]
	var runCommand platform.Patch[bool]
	caller, id, authorize, err := call(r, func(obj *httpapi.Object) {
		version, runCommand = obj.PatchInt64("release_version"), obj.PatchBool("run_release_command")
	})
	if err != nil {
		return err
	}
	if !version.Present || version.Null {
		return platform.Invalid("release_version", "is required")
	}
	if version.Value < 1 {
		return platform.Invalid("release_version", "must be a release version (an integer from 1)")
	}
	started, err := a.launcher.Rollback(r.Context(), id, version.Value, platform.ReleaseRequest{
		Trigger: platform.TriggerManual, TriggeredBy: caller.TokenName, RunReleaseCommand: runCommand.Value,
	}, authorize)
	return writeStarted(w, started, err)
}

func writeStarted(w http.ResponseWriter, started pipeline.Started, err error) error {
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"ok": true, "pipeline_id": started.PipelineID, "release_id": started.ReleaseID})
	return nil
}

func (a api) cancel(w http.ResponseWriter, r *http.Request) error {
	var dropQueued platform.Patch[bool]
	caller, id, authorize, err := call(r, func(obj *httpapi.Object) { dropQueued = obj.PatchBool("include_queued") })
	if err != nil {
		return err
	}
	pipelineID := r.PathValue("pipeline_id")
	err = a.launcher.Cancel(r.Context(), id, pipelineID, caller.TokenName, dropQueued.Value, func(app *platform.Application) error {
		if err := authorize(app); err != nil {
			return err
		}
		if !platform.IsUUID(pipelineID) {
			return platform.NotFound("pipeline")
		}
		return nil
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"ok": true})
	return nil
}
