// Package bench holds Slipway's paired throughput measurement: the local
// system's Get Application against a bare server that answers one GetItem
// of a stored document, both through the same aws-sdk-go-v2 client setup
// against the same embedded DynamoDB server, so their ratio says what the
// API costs on top of the storage round trip (run.sh drives both with wrk,
// alternately; docs/performance.md has the figures).
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/devstack"
	"github.com/slipway-paas/slipway/internal/dynamolocal"
	"github.com/slipway-paas/slipway/internal/store"
)

// Token is the platform token of the measured local system.
const Token = "slw_bench"

// Pair is the local system and the bare server, running.
type Pair struct {
	// AppURL is Get Application of the seeded application "web".
	AppURL string
	// BareURL answers the application's stored item with one GetItem.
	BareURL string

	stack    *devstack.Stack
	bare     *http.Server
	embedded *dynamolocal.Server
}

// Start brings up the embedded DynamoDB server, the local system on it
// with application demo/demo/web, and the bare server on it.
func Start(ctx context.Context) (*Pair, error) {
	emb, err := dynamolocal.Start()
	if err != nil {
		return nil, err
	}
	p := &Pair{embedded: emb}
	p.stack, err = devstack.Start(ctx, devstack.Options{Addr: "127.0.0.1:0", DevToken: Token, DynamoDBEndpoint: emb.Endpoint})
	if err != nil {
		p.Close()
		return nil, err
	}
	appID, err := createApp(p.stack.URL)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.AppURL = p.stack.URL + "/applications/demo/demo/web"
	client := store.NewClient(awsconf.FromEnv(), emb.Endpoint)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.Close()
		return nil, err
	}
	p.BareURL = "http://" + ln.Addr().String() + "/doc"
	p.bare = &http.Server{Handler: BareHandler(client, "slipway", appID), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.bare.Serve(ln) }()
	return p, nil
}

// BareHandler answers every request with the "doc" attribute of the
// application item, read with one consistent GetItem: the least a Get
// Application can do.
func BareHandler(db store.DynamoDB, table, appID string) http.Handler {
	key := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "APP#" + appID}, "SK": &types.AttributeValueMemberS{Value: "APP"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := db.GetItem(r.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		doc, ok := out.Item["doc"].(*types.AttributeValueMemberS)
		if !ok {
			http.Error(w, "no such item", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, doc.Value)
	})
}

func createApp(base string) (string, error) {
	call := func(method, path string, body any, out any) error {
		var buf bytes.Buffer
		if body != nil {
			_ = json.NewEncoder(&buf).Encode(body)
		}
		req, _ := http.NewRequest(method, base+path, &buf)
		req.Header.Set("Authorization", "Bearer "+Token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			b, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("bench: %s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	var projects struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := call("GET", "/organizations/demo/projects", nil, &projects); err != nil {
		return "", err
	}
	if len(projects.Items) == 0 {
		return "", errors.New("bench: the demo project is missing")
	}
	var app struct {
		ID string `json:"id"`
	}
	err := call("POST", "/applications", map[string]string{"name": "Web", "slug": "web", "project_id": projects.Items[0].ID}, &app)
	return app.ID, err
}

// Close stops both servers and the embedded DynamoDB server.
func (p *Pair) Close() {
	if p.bare != nil {
		_ = p.bare.Close()
	}
	if p.stack != nil {
		p.stack.Close()
	}
	if p.embedded != nil {
		_ = p.embedded.Close()
	}
}
