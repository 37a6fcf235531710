// Package httpapi is the HTTP toolkit every function group shares: the
// router with problem+json 404/405, middleware (request id, body limits,
// media types, panics), bearer-token authentication that runs concurrently
// with a handler's own reads, strict JSON decoding that names the offending
// field, Idempotency-Key replay, and the JSON views of the domain types.
//
// The groups themselves (applications, deployments, ...) live in
// subpackages, so each Lambda links only its own.
package httpapi
