package pipeline

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// The pipeline's CloudWatch metrics, written as Embedded Metric Format
// (EMF) lines: one line whenever a build, release or deployment finishes,
// successfully or not. CloudWatch Logs turns the lines of a Lambda's log
// stream into metrics in MetricsNamespace, by Stage and by Stage and
// Outcome; the ids on the line are plain properties (searchable with Logs
// Insights), never dimensions.
const (
	MetricsNamespace = "Slipway/Pipeline"

	StageBuild   = "build"
	StageRelease = "release"
	StageDeploy  = "deploy"

	OutcomeSuccess = "success"
	OutcomeError   = "error"
)

// emfDirective is the one metric directive of every line.
var emfDirective = []map[string]any{{
	"Namespace":  MetricsNamespace,
	"Dimensions": [][]string{{"Stage"}, {"Stage", "Outcome"}},
	"Metrics": []map[string]string{
		{"Name": "DurationSeconds", "Unit": "Seconds"},
		{"Name": "Failures", "Unit": "Count"},
		{"Name": "Successes", "Unit": "Count"},
	},
}}

// emfLine is one EMF document: the metadata, the dimension and metric
// values its directive names, and the ids.
type emfLine struct {
	// Level is what Lambda's log-level filter reads (see metricsLevel).
	Level string `json:"level"`
	AWS   struct {
		Timestamp         int64            `json:"Timestamp"`
		CloudWatchMetrics []map[string]any `json:"CloudWatchMetrics"`
	} `json:"_aws"`
	Stage           string  `json:"Stage"`
	Outcome         string  `json:"Outcome"`
	DurationSeconds float64 `json:"DurationSeconds"`
	Failures        int     `json:"Failures"`
	Successes       int     `json:"Successes"`

	ApplicationID string `json:"application_id"`
	Organization  string `json:"organization"`
	ImageID       string `json:"image_id"`
	ReleaseID     string `json:"release_id,omitempty"`
	DeploymentID  string `json:"deployment_id,omitempty"`
	// Version is the image's or the release's version.
	Version int64 `json:"version"`
}

func newEMFLine(stage string, status platform.Status, created, updated time.Time) emfLine {
	var l emfLine
	l.AWS.Timestamp = updated.UnixMilli()
	l.AWS.CloudWatchMetrics = emfDirective
	l.Stage, l.Outcome, l.Successes = stage, OutcomeSuccess, 1
	if status != platform.StatusComplete {
		l.Outcome, l.Failures, l.Successes = OutcomeError, 1, 0
	}
	l.DurationSeconds = math.Round(updated.Sub(created).Seconds()*1000) / 1000
	return l
}

// finishedStages are the lines for the records w finishes: those it
// writes as complete or error.
func finishedStages(app platform.Application, w platform.RecordWrites) []emfLine {
	var lines []emfLine
	add := func(l emfLine, imageID, releaseID, deploymentID string, version int64) {
		l.ApplicationID, l.Organization, l.ImageID = app.ID, app.OrganizationSlug, imageID
		l.ReleaseID, l.DeploymentID, l.Version = releaseID, deploymentID, version
		lines = append(lines, l)
	}
	for _, r := range w.Images {
		if finished(r.Status) {
			add(newEMFLine(StageBuild, r.Status, r.Created, r.Updated), r.ID, "", "", r.Version)
		}
	}
	for _, r := range w.Releases {
		if finished(r.Status) {
			add(newEMFLine(StageRelease, r.Status, r.Created, r.Updated), r.ImageID, r.ID, "", r.Version)
		}
	}
	for _, r := range w.Deployments {
		if finished(r.Status) {
			add(newEMFLine(StageDeploy, r.Status, r.Created, r.Updated), imageOfRelease(app, w, r.ReleaseID), r.ReleaseID, r.ID, r.ReleaseVersion)
		}
	}
	return lines
}

// imageOfRelease is the image id of a release the writes or the
// application know.
func imageOfRelease(app platform.Application, w platform.RecordWrites, releaseID string) string {
	for _, r := range w.Releases {
		if r.ID == releaseID {
			return r.ImageID
		}
	}
	for _, r := range []*platform.Release{app.LatestRelease, app.ServingRelease} {
		if r != nil && r.ID == releaseID {
			return r.ImageID
		}
	}
	return ""
}

func finished(s platform.Status) bool {
	return s == platform.StatusComplete || s == platform.StatusError
}

// update is Store.UpdateApplicationRecords that also writes an EMF line
// for every stage record the update finished. A retried step writes
// nothing again: its update writes no record.
func (l *Launcher) update(ctx context.Context, appID string, mutate func(*platform.Application) (platform.RecordWrites, error)) (platform.Application, error) {
	var written platform.RecordWrites
	app, err := l.Store.UpdateApplicationRecords(ctx, appID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		w, err := mutate(a)
		written = w // of the attempt that commits, when the store retries
		return w, err
	})
	if err == nil {
		l.writeMetrics(ctx, finishedStages(app, written))
	}
	return app, err
}

// metricsLevel is the level EMF lines carry: the lowest level the
// function logs at (LOG_LEVEL, the default logger's level), which the
// Lambda log-level filter the template derives from LOG_LEVEL always
// passes. A line without a level counts as INFO, so at WARN or ERROR
// Lambda would drop every metric line, and the alarms on them would never
// fire.
func metricsLevel(ctx context.Context) string {
	for _, l := range []struct {
		level slog.Level
		name  string
	}{{slog.LevelDebug, "DEBUG"}, {slog.LevelInfo, "INFO"}, {slog.LevelWarn, "WARN"}} {
		if slog.Default().Enabled(ctx, l.level) {
			return l.name
		}
	}
	return "ERROR"
}

// writeMetrics writes each line, newline-terminated, in one Write.
func (l *Launcher) writeMetrics(ctx context.Context, lines []emfLine) {
	out := l.Metrics
	if out == nil {
		out = os.Stdout
	}
	level := metricsLevel(ctx)
	for _, l := range lines {
		l.Level = level
		b, err := json.Marshal(l)
		if err == nil {
			_, err = out.Write(append(b, '\n'))
		}
		if err != nil {
			slog.WarnContext(ctx, "writing a pipeline metric failed", "stage", l.Stage, "image_id", l.ImageID, "error", err.Error())
		}
	}
}
