// Package applications serves the ApplicationsFunction group: health, the
// OpenAPI document, organizations, projects, tokens, and the applications'
// create, list, get, settings and scale routes.
package applications
