// Package lambdahttp is the one seam between API Gateway HTTP API events
// (payload format 2.0) and net/http. It wraps aws-lambda-go-api-proxy's
// httpadapter.NewV2 (archived upstream, pinned in go.mod), so replacing that
// library touches only this file.
package lambdahttp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// EventHandler handles one HTTP API v2 event.
type EventHandler func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Start serves h as the function's Lambda handler; it never returns.
func Start(h http.Handler) { lambda.Start(Adapt(h)) }

// Adapt returns the Lambda handler that serves h. A named stage's prefix
// is stripped from the path, so routes are the same on every stage; a body
// that claims base64 but is not answers 400.
func Adapt(h http.Handler) EventHandler {
	adapter := httpadapter.NewV2(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The proxy splits every non-singleton header on commas; an
		// Idempotency-Key is one opaque value.
		if k, ok := r.Context().Value(idempotencyKeyCtx{}).(string); ok {
			r.Header.Set("Idempotency-Key", k)
		}
		h.ServeHTTP(w, r)
	}))
	return func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if event.IsBase64Encoded {
			if _, err := base64.StdEncoding.DecodeString(event.Body); err != nil {
				return badBase64(event.RequestContext.RequestID), nil
			}
		}
		event.RawPath = stripStage(event.RawPath, event.RequestContext.Stage)
		if k, ok := header(event.Headers, "Idempotency-Key"); ok {
			ctx = context.WithValue(ctx, idempotencyKeyCtx{}, k)
		}
		return adapter.ProxyWithContext(ctx, event)
	}
}

type idempotencyKeyCtx struct{}

func stripStage(path, stage string) string {
	if stage == "" || stage == "$default" {
		return path
	}
	prefix := "/" + stage
	if path == prefix {
		return "/"
	}
	if strings.HasPrefix(path, prefix+"/") {
		return path[len(prefix):]
	}
	return path
}

func header(headers map[string]string, name string) (string, bool) {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// badBase64 is the problem document for a body that claims base64 but is
// not: the request never reaches the router, so it is written here.
func badBase64(requestID string) events.APIGatewayV2HTTPResponse {
	if requestID == "" {
		requestID = "lambda-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	body, _ := json.Marshal(map[string]any{
		"type": "https://slipway.dev/problems/bad-request", "title": "Bad Request", "status": http.StatusBadRequest,
		"detail": "the request body is not valid base64", "code": "bad_request", "request_id": requestID,
	})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusBadRequest,
		Headers:    map[string]string{"Content-Type": "application/problem+json", "X-Request-Id": requestID},
		Body:       string(body),
	}
}
