package awsconf

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// HTTPClient returns next (the SDK's default client when nil) showing
// request bodies to net/http as plain readers.
//
// Why: smithy-go (v1.28.9) closes a request's body as soon as the HTTP
// client returns the response headers, and from then on the body's WriteTo
// answers io.EOF (its Read a plain end of stream). net/http's writer may
// not be done with the body by then — after the Content-Length bytes it
// copies what is left to io.Discard, through WriteTo when the body has one
// — and takes that io.EOF for a failed request write: it closes the
// connection under the response the SDK is still reading ("use of closed
// network connection" on a 200). Responses over net/http's 4 KiB read
// buffer (a large Query or Scan page) then fail at random; the SDK retries
// them, at the price of latency and a torn-down connection. Through Read
// alone, the late copy finds nothing left and the request is complete.
//
// The SDK's default client keeps MaxIdleConnsPerHost (10) idle connections
// per host; the default client here keeps MaxIdleConnsPerHost. A Lambda
// sends one request at a time, but the local system serves many clients
// on one process: with 50 concurrent requests, each reading twice, the
// SDK's pool closed and reopened connections to the embedded DynamoDB
// server all the time (see docs/performance.md).
func HTTPClient(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
		})
	}
	return readOnlyBodies{next}
}

// MaxIdleConnsPerHost is how many idle connections HTTPClient's default
// client keeps to one endpoint.
const MaxIdleConnsPerHost = 256

type readOnlyBodies struct{ next aws.HTTPClient }

func (c readOnlyBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		if _, ok := r.Body.(io.WriterTo); ok {
			r = r.WithContext(r.Context()) // a shallow copy: the caller keeps its request
			r.Body = struct{ io.ReadCloser }{r.Body}
		}
	}
	return c.next.Do(r)
}
