package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// ErrEmpty: the secret exists but its value is empty.
var ErrEmpty = errors.New("secrets: secret is empty")

// Cache reads secret values through Client and keeps each one per ARN: for
// TTL when TTL > 0, else for the life of the process (a Lambda container).
// Concurrent callers of one ARN share a single GetSecretValue; a failure is
// not kept, so the next Get asks again. Use it by pointer; it is safe for
// concurrent use.
type Cache struct {
	Client API
	TTL    time.Duration    // 0: never refetch
	Now    func() time.Time // time.Now when nil

	mu      sync.Mutex
	entries map[string]*entry
}

// entry is one ARN's value, or the fetch in flight (done still open).
type entry struct {
	done    chan struct{}
	value   []byte
	err     error
	fetched time.Time
}

// Get returns the value of the secret secretARN (an ARN or a name):
// SecretString's bytes, else SecretBinary. An empty value is ErrEmpty. The
// caller owns the returned slice.
func (c *Cache) Get(ctx context.Context, secretARN string) ([]byte, error) {
	if secretARN == "" {
		return nil, errors.New("secrets: no secret ARN")
	}
	for {
		e, leader := c.lookup(secretARN)
		if leader {
			c.fetch(ctx, secretARN, e)
		} else {
			select {
			case <-e.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The leader's context ended, not ours: ask again ourselves.
			if isContextErr(e.err) && ctx.Err() == nil {
				continue
			}
		}
		if e.err != nil {
			return nil, e.err
		}
		return bytes.Clone(e.value), nil
	}
}

// lookup returns the ARN's fresh or in-flight entry, or a new one that the
// caller (leader) must fetch.
func (c *Cache) lookup(arn string) (e *entry, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[arn]; e != nil && !c.stale(e) {
		return e, false
	}
	if c.entries == nil {
		c.entries = make(map[string]*entry)
	}
	e = &entry{done: make(chan struct{})}
	c.entries[arn] = e
	return e, true
}

// stale reports whether a finished entry is past its TTL; an entry still
// in flight is never stale.
func (c *Cache) stale(e *entry) bool {
	select {
	case <-e.done:
		return c.TTL > 0 && !c.now().Before(e.fetched.Add(c.TTL))
	default:
		return false
	}
}

func (c *Cache) fetch(ctx context.Context, arn string, e *entry) {
	e.value, e.err = c.read(ctx, arn)
	e.fetched = c.now()
	c.mu.Lock()
	if e.err != nil && c.entries[arn] == e {
		delete(c.entries, arn) // failures are not cached
	}
	c.mu.Unlock()
	close(e.done)
}

func (c *Cache) read(ctx context.Context, arn string) ([]byte, error) {
	if c.Client == nil {
		return nil, errors.New("secrets: cache has no client")
	}
	out, err := c.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("secrets: reading %s: %w", arn, err)
	}
	switch {
	case out.SecretString != nil && *out.SecretString != "":
		return []byte(*out.SecretString), nil
	case len(out.SecretBinary) > 0:
		return out.SecretBinary, nil
	default:
		return nil, fmt.Errorf("%w: %s", ErrEmpty, arn)
	}
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
