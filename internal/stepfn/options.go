package stepfn

import (
	"crypto/rand"
	"encoding/binary"
)

// Option configures Run and Step.
type Option func(*config)

type config struct {
	name            string
	invoker         Invoker
	clock           Clock
	random          func() float64
	observer        Observer
	stateMachineARN string
	roleARN         string
	retrierCount    int // Step only
}

// Defaults for the context object when no option sets them.
const (
	DefaultStateMachineARN = "arn:aws:states:us-east-1:000000000000:stateMachine:stepfn-local"
	DefaultRoleARN         = "arn:aws:iam::000000000000:role/stepfn-local"
)

func newConfig(opts []Option) config {
	cfg := config{
		clock:           RealClock{},
		random:          cryptoFloat64,
		stateMachineARN: DefaultStateMachineARN,
		roleARN:         DefaultRoleARN,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.name == "" {
		cfg.name = newUUID(cryptoFloat64)
	}
	return cfg
}

// WithName sets the execution name ($$.Execution.Name; $$.Execution.Id is
// the execution ARN built from it). By default it is a random UUID.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithInvoker sets what runs Task states. A machine with Task states cannot
// run without one.
func WithInvoker(inv Invoker) Option { return func(c *config) { c.invoker = inv } }

// WithClock sets the clock (RealClock by default). Tests use a
// *VirtualClock.
func WithClock(clock Clock) Option { return func(c *config) { c.clock = clock } }

// WithRandom sets the source of random numbers in [0, 1): retry jitter,
// States.MathRandom and States.UUID. *rand.Rand's Float64 method fits.
// Calls are serialized, so the function need not be safe for concurrent use.
func WithRandom(random func() float64) Option { return func(c *config) { c.random = random } }

// WithObserver receives every history event of the execution.
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// WithStateMachineARN sets $$.StateMachine.Id (and the state machine part of
// $$.Execution.Id).
func WithStateMachineARN(arn string) Option { return func(c *config) { c.stateMachineARN = arn } }

// WithRoleARN sets $$.Execution.RoleArn.
func WithRoleARN(arn string) Option { return func(c *config) { c.roleARN = arn } }

// WithRetrierRetryCount tells Step how many retries the matching retrier has
// already made (like TestState's retrierRetryCount): a retriable error is
// RETRIABLE while this is below the retrier's MaxAttempts. Run ignores it.
func WithRetrierRetryCount(n int) Option { return func(c *config) { c.retrierCount = n } }

// cryptoFloat64 returns a uniformly distributed float64 in [0, 1).
func cryptoFloat64() float64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return float64(binary.LittleEndian.Uint64(b[:])>>11) / (1 << 53)
}
