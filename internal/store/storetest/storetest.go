// Package storetest gives tests a store on a fresh table: on the embedded
// DynamoDB server by default, or on the endpoint in
// SLIPWAY_TEST_DYNAMODB_ENDPOINT (for example moto_server in `make check`).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/dynamolocal"
	"github.com/slipway-paas/slipway/internal/store"
)

// EndpointEnv names the variable that points tests at an external DynamoDB.
const EndpointEnv = "SLIPWAY_TEST_DYNAMODB_ENDPOINT"

// Env is a store on a fresh table and what a test may need around it.
type Env struct {
	Store  *store.Store
	Client *dynamodb.Client
	// Requests counts every request the store makes; behind it a
	// ShapeCheck refuses writes of empty collections.
	Requests *Counting
	Table    string
	// Embedded is the embedded server, nil when an external endpoint is used.
	Embedded *dynamolocal.Server
}

// CursorKey is the key the test stores sign cursors with.
const CursorKey = "test-cursor-key"

// New returns a store on a new, empty table that lives as long as the test.
func New(t testing.TB, opts ...store.Option) *Env {
	t.Helper()
	env := &Env{Table: "slipway-test-" + randomHex(6)}
	endpoint := os.Getenv(EndpointEnv)
	if endpoint == "" {
		srv, err := dynamolocal.Start()
		if err != nil {
			t.Fatalf("starting embedded DynamoDB: %v", err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		env.Embedded, endpoint = srv, srv.Endpoint
	}
	env.Client = store.NewClient(awsconf.FromEnv(), endpoint, func(o *dynamodb.Options) {
		o.RetryMaxAttempts = 1 // failures surface at once; tests never sleep in SDK backoff
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := store.CreateTable(ctx, env.Client, env.Table); err != nil {
		t.Fatalf("creating table: %v", err)
	}
	if env.Embedded == nil {
		t.Cleanup(func() {
			_, _ = env.Client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &env.Table})
		})
	}
	env.Requests = &Counting{DynamoDB: ShapeCheck{DynamoDB: env.Client}}
	env.Store = store.New(env.Requests, env.Table, []byte(CursorKey), opts...)
	return env
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
