// Package web holds the dashboard's static files, embedded into the
// binary: index.html (the one page, which every page route answers) and
// assets/ (the application module, its style sheet and the vendored chart
// library, uPlot; see scripts/vendor-uplot.sh). Package internal/webui
// serves them at /ui/. No build step: the files here are what browsers
// run.
package web

import "embed"

// Files are index.html and assets/.
//
//go:embed index.html assets
var Files embed.FS
