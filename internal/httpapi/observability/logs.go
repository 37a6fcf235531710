package observability

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// LogStore is what the log routes read besides the application: older
// pipelines' records (a pipeline that is not the newest) and the current
// config, whose secret fingerprints mask the lines.
type LogStore interface {
	ListImages(ctx context.Context, appID string, limit int) ([]platform.Image, error)
	ListReleases(ctx context.Context, appID string, limit int) ([]platform.Release, error)
	CurrentConfig(ctx context.Context, appID string) (platform.Config, error)
	GetConfig(ctx context.Context, appID string, version int64) (platform.Config, error)
}

// LogDeps are the log routes' dependencies (Deps.Logs).
type LogDeps struct {
	Store  LogStore
	Source platform.LogSource
	// Cursors signs the log cursors (the list cursors' key).
	Cursors platform.CursorSigner
	// Fingerprints is the key the config's fingerprints were made with.
	Fingerprints platform.Fingerprinter
	// Settle is how long after a pipeline ended its last lines may still
	// reach the source (CloudWatch Logs ingestion; 0 locally): complete
	// waits for it.
	Settle time.Duration
}

// olderPipelines is how many of the newest images and releases a pipeline
// id that is not the newest is looked for among.
const olderPipelines = 100

// pipelineLineView is a pipeline log line.
type pipelineLineView struct {
	Timestamp httpapi.Timestamp `json:"timestamp"`
	Stage     string            `json:"stage"`
	Message   string            `json:"message"`
}

// runtimeLineView is a runtime log line.
type runtimeLineView struct {
	Timestamp      httpapi.Timestamp `json:"timestamp"`
	Process        string            `json:"process"`
	Instance       string            `json:"instance"`
	ReleaseVersion *int64            `json:"release_version"`
	Message        string            `json:"message"`
}

// logParams are the query parameters both log routes share.
type logParams struct {
	wait   time.Duration
	cursor string
}

func readLogParams(r *http.Request) (logParams, error) {
	wait, err := httpapi.QueryInt(r, "wait", 0, 0, int(platform.MaxLogWait/time.Second))
	if err != nil {
		return logParams{}, err
	}
	return logParams{wait: time.Duration(wait) * time.Second, cursor: r.URL.Query().Get("cursor")}, nil
}

// logRequest reads the shared query parameters (a bad one is the caller's
// 401 first) and then the application the caller must see.
func (a api) logRequest(r *http.Request) (logParams, platform.Application, error) {
	params, err := readLogParams(r)
	if err != nil {
		return logParams{}, platform.Application{}, checked(r, err)
	}
	app, err := httpapi.VisibleApplication(r, a.Store.GetApplication)
	if err != nil {
		return logParams{}, platform.Application{}, err
	}
	return params, app, nil
}

// checked returns err, or the caller's authentication error first: an
// unauthenticated request is a 401 whatever its query.
func checked(r *http.Request, err error) error {
	if _, authErr := httpapi.Caller(r); authErr != nil {
		return authErr
	}
	return err
}

// position opens the cursor of the log list ("" without one).
func (l LogDeps) position(cursor, list string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	payload, ok := l.Cursors.Open(cursor, list)
	if !ok {
		return "", platform.BadLogCursor
	}
	return string(payload), nil
}

// masker masks the application's current secret values and, when a
// pipeline's release runs with an older config version (also), those.
// It is made once the page is read, and only for a page of lines (n):
// an empty one (a follower's poll that found nothing new) reads no
// config, and the config read after a long poll's wait is the newest.
func (l LogDeps) masker(ctx context.Context, appID string, also int64, n int) (*platform.SecretMasker, error) {
	if n == 0 {
		return nil, nil // a nil masker masks nothing, and there is nothing
	}
	cfg, err := l.Store.CurrentConfig(ctx, appID)
	if err != nil {
		return nil, err
	}
	cfgs := []platform.Config{cfg}
	if also > 0 && also != cfg.Version {
		old, err := l.Store.GetConfig(ctx, appID, also)
		if err != nil && !platform.IsCode(err, platform.CodeNotFound) {
			return nil, err
		}
		cfgs = append(cfgs, old)
	}
	return platform.NewSecretMasker(l.Fingerprints, cfgs...), nil
}

func (a api) pipelineLogs(w http.ResponseWriter, r *http.Request) error {
	stage, err := platform.ParseLogStage(r.URL.Query().Get("stage"))
	if err != nil {
		return checked(r, err)
	}
	params, app, err := a.logRequest(r)
	if err != nil {
		return err
	}
	id := r.PathValue("pipeline_id")
	if !platform.IsUUID(id) {
		return platform.NotFound("pipeline")
	}
	now := a.Now()
	p, found := platform.FindPipelineLog(app, nil, nil, id, now)
	if !found {
		images, err := a.Logs.Store.ListImages(r.Context(), app.ID, olderPipelines)
		if err != nil {
			return err
		}
		releases, err := a.Logs.Store.ListReleases(r.Context(), app.ID, olderPipelines)
		if err != nil {
			return err
		}
		if p, found = platform.FindPipelineLog(app, images, releases, id, now); !found {
			return platform.NotFound("pipeline")
		}
	}
	list := "logs:pipeline\x00" + app.ID + "\x00" + id + "\x00" + stage
	pos, err := a.Logs.position(params.cursor, list)
	if err != nil {
		return err
	}
	settled := p.Ended && now.Sub(p.EndedAt) >= a.Logs.Settle
	wait := params.wait
	if settled {
		wait = 0 // no line will come
	}
	page, err := a.Logs.Source.Read(r.Context(), platform.LogQuery{ApplicationID: app.ID, PipelineID: id, BuildRef: p.BuildRef,
		Stage: stage, Position: pos, Limit: platform.MaxLogLines, Wait: wait})
	if err != nil {
		return err
	}
	mask, err := a.Logs.masker(r.Context(), app.ID, p.ConfigVersion, len(page.Lines))
	if err != nil {
		return err
	}
	lines := make([]pipelineLineView, len(page.Lines))
	for i, l := range page.Lines {
		lines[i] = pipelineLineView{Timestamp: httpapi.Timestamp(l.Time), Stage: l.Stage, Message: mask.Mask(l.Message)}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"lines": lines, "next_cursor": a.Logs.Cursors.Seal(list, []byte(page.Position)), "complete": settled && !page.More,
	})
	return nil
}

// processRe is a Procfile process name.
var processRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

func (a api) runtimeLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	process := q.Get("process")
	if process != "" && !processRe.MatchString(process) {
		return checked(r, platform.Invalid("process", "must be a process name of the Procfile"))
	}
	since, err := platform.ParseLogSince(q.Get("since"))
	if err != nil {
		return checked(r, err)
	}
	params, app, err := a.logRequest(r)
	if err != nil {
		return err
	}
	list := "logs:runtime\x00" + app.ID + "\x00" + process
	pos, err := a.Logs.position(params.cursor, list)
	if err != nil {
		return err
	}
	var serving int64 // the instances run the serving release's config
	if rel := app.ServingRelease; rel != nil {
		serving = rel.ConfigVersion
	}
	wl := pipeline.WorkloadOf(app, platform.Release{})
	page, err := a.Logs.Source.Read(r.Context(), platform.LogQuery{ApplicationID: app.ID, Process: process, Since: a.Now().Add(-since),
		Namespace: wl.Namespace, Workload: wl.Name,
		Position: pos, Limit: platform.MaxLogLines, Wait: params.wait})
	if err != nil {
		return err
	}
	mask, err := a.Logs.masker(r.Context(), app.ID, serving, len(page.Lines))
	if err != nil {
		return err
	}
	lines := make([]runtimeLineView, len(page.Lines))
	for i, l := range page.Lines {
		v := runtimeLineView{Timestamp: httpapi.Timestamp(l.Time), Process: l.Process, Instance: l.Instance, Message: mask.Mask(l.Message)}
		if l.ReleaseVersion > 0 {
			v.ReleaseVersion = &l.ReleaseVersion
		}
		lines[i] = v
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"lines": lines, "next_cursor": a.Logs.Cursors.Seal(list, []byte(page.Position))})
	return nil
}
