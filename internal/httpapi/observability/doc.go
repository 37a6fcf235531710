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
package observability
