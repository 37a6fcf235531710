package teardown

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Starter starts a teardown execution named run.ExecutionName; a name
// that already started is success.
type Starter interface {
	StartTeardown(ctx context.Context, run Run) error
}

// StartTimeout bounds the start of a teardown (the SDK retries within it).
const StartTimeout = 5 * time.Second

// Service deletes applications.
type Service struct {
	Store   platform.Lifecycle
	Starter Starter
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
}

// Delete deletes the application for caller: authorize is called on it
// first (not_found / forbidden), then it is refused while a pipeline runs
// (conflict naming it); otherwise the application is gone at once
// (tombstone, slug freed) and its teardown starts. Deleting an application
// whose teardown has not finished yet starts the teardown again (a new
// execution; the steps are idempotent), so a DELETE whose teardown could
// not start is simply repeated.
func (s Service) Delete(ctx context.Context, appID string, caller platform.Caller) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	authorize := func(app *platform.Application) error {
		return caller.Authorize(app.OrganizationSlug, true, "application")
	}
	run := Run{ApplicationID: appID, ExecutionName: appID}
	_, err := s.Store.DeleteApplication(ctx, appID, caller.TokenName, now(), func(app *platform.Application) error {
		if err := authorize(app); err != nil {
			return err
		}
		return app.CheckDeletable(now())
	})
	if platform.IsCode(err, platform.CodeNotFound) {
		ts, tsErr := s.Store.GetTombstone(ctx, appID)
		if tsErr != nil {
			if platform.IsCode(tsErr, platform.CodeNotFound) {
				return err
			}
			return tsErr
		}
		if err := authorize(&ts.Application); err != nil {
			return err
		}
		run.ExecutionName = appID + "-" + strconv.FormatInt(now().UnixMilli(), 10)
	} else if err != nil {
		return err
	}
	// The application is deleted now: start its teardown even if the
	// caller goes away meanwhile.
	startCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), StartTimeout)
	defer cancel()
	if err := s.Starter.StartTeardown(startCtx, run); err != nil {
		slog.ErrorContext(ctx, "starting a teardown failed", "application_id", appID, "error", err.Error())
		e := platform.Unavailable(fmt.Errorf("starting the teardown: %w", err))
		e.Message = "the application is deleted but its teardown could not start yet; repeat the DELETE to start it"
		return e
	}
	return nil
}
