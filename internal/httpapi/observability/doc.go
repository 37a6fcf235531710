// Package observability serves the ObservabilityFunction group: an
// application's usage history, GET /applications/{application_id}/observability
// (Applications 10 of openapi.yaml).
//
// The handler parses the range into a window of whole steps ending where the
// current step begins (platform.ObservabilityRange), reads the application
// concurrently with the token lookup and authorizes it like the other by-id
// routes (404 for what the caller cannot see, members may read), then asks a
// Source for the window's points and renders every step, a step without
// data as nulls. Sources: the CloudWatch adapter (internal/aws/cloudwatch)
// in AWS and the cluster simulator's samples (package simsource) locally.
//
// The group also serves the logs (logs.go): a pipeline's build,
// release-command and rollout lines,
// GET /applications/{application_id}/pipelines/{pipeline_id}/logs, and the
// application's runtime lines, GET /applications/{application_id}/logs. It is
// the group that reads CloudWatch, and the one whose function may hold a
// request for a long poll (its timeout is above MaxLogWait). Lines come from
// a platform.LogSource (internal/aws/cloudwatchlogs in AWS, internal/logstore
// locally), are masked with the application's secret fingerprints
// (platform.SecretMasker: this function cannot decrypt a secret) and are
// followed with signed cursors bound to their log.
package observability
