// Package platform is Slipway's domain: organizations, projects, applications,
// tokens and the pipeline records (images, releases, deployments), the rules
// that make them valid, the pod-class table, and the one Error type whose
// codes every adapter translates (HTTP status, Lambda error name) in exactly
// one place.
//
// It imports the standard library only. Storage, HTTP, AWS and Kubernetes
// live in their own packages and depend on this one, never the reverse.
package platform
