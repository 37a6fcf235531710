// Package teardown deletes applications: the application service behind
// DELETE /applications/{application_id} (a tombstone written in the same
// transaction that deletes the application and frees its slug, then a
// background teardown started), and the teardown workflow's steps, which
// remove the application's cluster objects and every item it owned.
//
// Removing the cluster objects also removes the release tags of the
// application's images (pipeline.ImageTags), the tags that keep them from
// the image repository's lifecycle policy: from then on its images expire
// as any build image does.
//
// The teardown is its own small state machine
// (infra/statemachine/teardown.asl.json): remove the cluster objects,
// purge the records in batches, remove the cluster objects once more
// (anything a step of a pipeline that raced the delete applied late), then
// forget the tombstone. Every step is idempotent and retried with backoff
// until it succeeds; nothing in it can bring the application back, since
// every write of an application is conditioned on the application item,
// which is gone. Its steps run in PipelineFunction (which already has the
// cluster access and table rights they need) under step names of their
// own, routed by Route before the pipeline's steps see them.
package teardown
