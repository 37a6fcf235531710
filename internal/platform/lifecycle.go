package platform

import (
	"context"
	"time"
)

// Tombstone marks a deleted application until its teardown has removed
// everything it owned. It is written in the same transaction that deletes
// the application item and frees its slug, so the application answers
// not_found everywhere at once and its slug is free at once; it keeps the
// application as it was, so the teardown knows what to remove.
type Tombstone struct {
	Application Application
	Deleted     time.Time
	// DeletedBy names the token that deleted the application.
	DeletedBy string
}

// CheckDeletable refuses to delete an application while one of its
// pipelines runs: a conflict naming the pipeline (pipeline_id, and
// image_id for a build), as the pipeline-starting routes do.
func (a *Application) CheckDeletable(now time.Time) error {
	err := a.busy(now)
	if e, ok := err.(*Error); ok {
		e.Message = "a pipeline of this application is still running; cancel it or wait for it to end"
	}
	return err
}

// Lifecycle stores the deletion of applications.
type Lifecycle interface {
	// DeleteApplication reads the application, calls check on it (an
	// error aborts and is returned as is), then deletes it, frees its slug
	// and its GitHub installation pointer and writes its tombstone in one
	// transaction, on the condition that nobody wrote the application
	// meanwhile (a lost race reads again and checks again).
	DeleteApplication(ctx context.Context, id, deletedBy string, now time.Time, check func(*Application) error) (Tombstone, error)
	// GetTombstone returns the tombstone of a deleted application whose
	// teardown has not finished; not_found otherwise.
	GetTombstone(ctx context.Context, id string) (Tombstone, error)
	// PurgeApplication deletes up to max of the items left in the deleted
	// application's partition (every kind: images, releases, deployments
	// and whatever else it owns), except its tombstone. done is true when
	// nothing but the tombstone is left.
	PurgeApplication(ctx context.Context, id string, max int) (deleted int, done bool, err error)
	// ForgetTombstone deletes the tombstone: the teardown is complete.
	ForgetTombstone(ctx context.Context, id string) error
}
