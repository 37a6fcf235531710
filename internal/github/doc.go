// Package github is Slipway's one adapter for GitHub.
//
// Inbound, it verifies webhook deliveries (VerifySignature, over the raw body
// and the X-Hub-Signature-256 header only) and decodes the few events the
// webhook handler acts on (ParsePush, ParseInstallation,
// ParseInstallationRepositories, ParsePing) into small structs holding only
// the fields Slipway uses.
//
// Outbound, App authenticates as a GitHub App (an RS256 JWT built with the
// standard library, exchanged for cached installation tokens) and creates
// deployments and deployment statuses; Reporter wraps it with bounded retries
// for the pipeline (DeploymentReporter). Failures are *APIError values that
// say whether a retry can help.
//
// The package imports nothing outside the standard library.
package github
