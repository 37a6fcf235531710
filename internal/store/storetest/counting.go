package storetest

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slipway-paas/slipway/internal/store"
)

// Counting wraps a DynamoDB client and records every request by operation,
// and how many were in flight at once (so a test can prove that two reads
// overlapped: one round trip of latency, not two).
type Counting struct {
	store.DynamoDB

	mu          sync.Mutex
	calls       []string
	inFlight    int
	maxInFlight int
	holdFor     int
	released    chan struct{}
}

// HoldUntil makes every request wait until n requests are in flight at
// once (or a second has passed), so that requests that are issued
// concurrently are seen overlapping, whatever the scheduler does.
func (c *Counting) HoldUntil(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holdFor, c.released = n, make(chan struct{})
}

// Reset forgets what was recorded.
func (c *Counting) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.inFlight, c.maxInFlight, c.holdFor = nil, 0, 0, 0
}

// Calls returns the operations recorded, in the order they started.
func (c *Counting) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// MaxInFlight is the most requests that were running at the same time.
func (c *Counting) MaxInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxInFlight
}

func (c *Counting) enter(op string) func() {
	c.mu.Lock()
	c.calls = append(c.calls, op)
	c.inFlight++
	if c.inFlight > c.maxInFlight {
		c.maxInFlight = c.inFlight
	}
	released := c.released
	if c.holdFor > 0 && c.inFlight >= c.holdFor {
		close(c.released)
		c.holdFor = 0
	}
	c.mu.Unlock()
	if released != nil {
		select {
		case <-released:
		case <-time.After(time.Second): // sequential requests: give up holding
		}
	}
	return func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}
}

// GetItem records and forwards.
func (c *Counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	defer c.enter("GetItem")()
	return c.DynamoDB.GetItem(ctx, in, o...)
}

// PutItem records and forwards.
func (c *Counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	defer c.enter("PutItem")()
	return c.DynamoDB.PutItem(ctx, in, o...)
}

// DeleteItem records and forwards.
func (c *Counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	defer c.enter("DeleteItem")()
	return c.DynamoDB.DeleteItem(ctx, in, o...)
}

// UpdateItem records and forwards.
func (c *Counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	defer c.enter("UpdateItem")()
	return c.DynamoDB.UpdateItem(ctx, in, o...)
}

// Query records and forwards.
func (c *Counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	defer c.enter("Query")()
	return c.DynamoDB.Query(ctx, in, o...)
}

// TransactWriteItems records and forwards.
func (c *Counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	defer c.enter("TransactWriteItems")()
	return c.DynamoDB.TransactWriteItems(ctx, in, o...)
}
