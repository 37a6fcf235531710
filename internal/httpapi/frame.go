package httpapi

import "net/http"

// Frame wraps a handler that is not a group of API routes (the
// dashboard's static files) in what every answer of the HTTP API has: an
// X-Request-Id (a valid incoming one echoed, else a new one), one log line
// per request, and a 500 problem instead of a crash.
func Frame(h http.Handler) http.Handler { return withRequestID(withRequestLog(withRecover(h))) }
