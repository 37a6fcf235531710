package awsconf

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// bodyRecorder answers every request with an empty DynamoDB response and
// records what its request body offered net/http.
type bodyRecorder struct {
	writerTo []bool
	bodies   []string
}

func (b *bodyRecorder) Do(r *http.Request) (*http.Response, error) {
	_, ok := r.Body.(io.WriterTo)
	raw, _ := io.ReadAll(r.Body)
	b.writerTo, b.bodies = append(b.writerTo, ok), append(b.bodies, string(raw))
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

// TestHTTPClientHidesWriteTo: the SDK's request bodies offer WriteTo (the
// premise of HTTPClient's workaround; when a smithy-go release stops
// answering io.EOF from it on a closed body, the workaround can go), and
// through HTTPClient net/http sees a plain reader with the same bytes.
func TestHTTPClientHidesWriteTo(t *testing.T) {
	for _, tc := range []struct {
		name         string
		wrap         bool
		wantWriterTo bool
	}{
		{"the SDK's own body", false, true},
		{"through HTTPClient", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &bodyRecorder{}
			cfg := FromEnv()
			cfg.HTTPClient = rec
			if tc.wrap {
				cfg.HTTPClient = HTTPClient(rec)
			}
			client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
				o.BaseEndpoint = aws.String("http://127.0.0.1:1")
				o.RetryMaxAttempts = 1
			})
			_, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"),
				Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "K"}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.writerTo) != 1 || rec.writerTo[0] != tc.wantWriterTo {
				t.Fatalf("request bodies offering WriteTo: %v, want [%v]", rec.writerTo, tc.wantWriterTo)
			}
			if !strings.Contains(rec.bodies[0], `"TableName":"t"`) {
				t.Fatalf("body %q", rec.bodies[0])
			}
		})
	}
	if _, ok := FromEnv().HTTPClient.(readOnlyBodies); !ok {
		t.Fatalf("FromEnv's HTTP client is %T, not HTTPClient's", FromEnv().HTTPClient)
	}
}

func TestHTTPClientKeepsConnectionsForConcurrentRequests(t *testing.T) {
	c, ok := HTTPClient(nil).(readOnlyBodies)
	if !ok {
		t.Fatalf("HTTPClient(nil) is %T", HTTPClient(nil))
	}
	b, ok := c.next.(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("the default client is %T", c.next)
	}
	if got := b.GetTransport().MaxIdleConnsPerHost; got != MaxIdleConnsPerHost {
		t.Fatalf("MaxIdleConnsPerHost = %d, want %d", got, MaxIdleConnsPerHost)
	}
}
