// Package webui serves the dashboard, a pure client of the public API, at
// /ui/ on the API's own origin: the local system mounts it beside the API
// routes, and in AWS a small function (UiFunction) answers the HTTP API's
// GET /ui and GET /ui/{proxy+} routes with it.
//
// What it answers:
//   - /ui/assets/<name>.<hash>.<ext>: an embedded asset under a name that
//     carries the first 10 hex digits of the SHA-256 of its content,
//     cached for a year as immutable; index.html names the assets so.
//     Unknown assets, old hashes included, are a 404.
//   - the page routes (Pages): index.html, with no-cache, so a new
//     release is picked up at once; the page's module renders the route.
//   - /ui: a permanent redirect to /ui/; anything else under /ui/ is a 404.
//
// Every answer carries a strict Content-Security-Policy (default-src
// 'self', no inline script or style, no framing), X-Content-Type-Options:
// nosniff and Referrer-Policy: no-referrer. Only GET and HEAD are allowed
// (405 with Allow otherwise).
package webui
