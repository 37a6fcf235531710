package deployments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	Store   Store
	Starter pipeline.Starter
	IDs     *platform.IDGenerator
	Now     func() time.Time
}

type api struct{ Deps }

// WithDefaults fills in the clock (time.Now) and the id generator (on
// that clock) when they are unset. Routes applies it; so must any other
// caller of Deploy (the webhooks group).
func (d Deps) WithDefaults() Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IDs == nil {
		d.IDs = &platform.IDGenerator{Now: d.Now}
	}
	return d
}

// Routes returns the group's routes.
func Routes(d Deps) []httpapi.Route {
	a := api{d.WithDefaults()}
	routes := []httpapi.Route{
		{Method: "POST", Pattern: "/applications/{application_id}/deploy", Handle: a.deploy},
		{Method: "GET", Pattern: "/applications/{application_id}/deployments", Handle: a.listDeployments},
		{Method: "GET", Pattern: "/applications/{application_id}/pipeline-status", Handle: a.pipelineStatus},
		{Method: "GET", Pattern: "/applications/{application_id}/pipeline-metrics", Handle: a.pipelineMetrics},
	}
	return append(routes, a.recordRoutes()...)
}

// Deploy starts a pipeline for an application: the one place Full Deploy
// and GitHub pushes start pipelines from. It takes the application's guard
// and records the in-progress image in one transaction, then starts the
// execution; when the start fails, the pipeline is marked failed at once
// and the application freed. A request whose ImageID is already the
// application's newest image (a retry) only makes sure its execution runs.
func Deploy(ctx context.Context, d Deps, appID string, req platform.PipelineRequest, authorize func(*platform.Application) error) (platform.Image, error) {
	imageID := req.ImageID
	if imageID == "" {
		imageID = d.IDs.NewID()
	}
	var img platform.Image
	_, err := d.Store.UpdateApplicationRecords(ctx, appID, 0, func(app *platform.Application) (platform.RecordWrites, error) {
		if err := authorize(app); err != nil {
			return platform.RecordWrites{}, err
		}
		if last := app.LatestImage; last != nil && last.ID == imageID {
			if last.Status != platform.StatusError || last.BuildRef != "" {
				img = *last
				return platform.RecordWrites{}, errAlreadyRecorded
			}
			imageID = d.IDs.NewID() // its start failed: a retry starts anew
		}
		var w platform.RecordWrites
		var err error
		img, w, err = app.StartPipeline(req, imageID, d.Now().UTC())
		return w, err
	})
	switch {
	case errors.Is(err, errAlreadyRecorded):
		if img.Status != platform.StatusInProgress {
			return img, nil // it ran already
		}
	case err != nil:
		return img, err
	}
	if err := d.Starter.Start(ctx, pipeline.Run{ApplicationID: appID, ImageID: imageID}); err != nil {
		reason := fmt.Sprintf("the pipeline could not start: %v", err)
		if markErr := pipeline.MarkFailed(context.WithoutCancel(ctx), d.Store, d.Now().UTC(), appID, imageID, reason); markErr != nil {
			slog.ErrorContext(ctx, "marking an unstarted pipeline failed", "image_id", imageID, "error", markErr.Error())
		}
		return img, platform.Unavailable(err)
	}
	return img, nil
}

var errAlreadyRecorded = errors.New("deployments: the pipeline is already recorded")

func (a api) deploy(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	if body := httpapi.Body(r); len(body) > 0 {
		obj, err := httpapi.DecodeObject(body)
		if err != nil {
			return err
		}
		if err := obj.Done(); err != nil {
			return err
		}
	}
	id := r.PathValue("application_id")
	if !platform.IsUUID(id) {
		return platform.NotFound("application")
	}
	img, err := Deploy(r.Context(), a.Deps, id, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: caller.TokenName},
		func(app *platform.Application) error {
			return caller.Authorize(app.OrganizationSlug, true, "application")
		})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"ok": true, "image_id": img.ID})
	return nil
}
