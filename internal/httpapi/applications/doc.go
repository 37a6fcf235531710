// Package applications serves the ApplicationsFunction group: health, the
// OpenAPI document, organizations, projects, tokens, and the applications'
// create, list, get (by slug and by id), settings, scale and delete routes.
package applications
