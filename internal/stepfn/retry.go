package stepfn

import (
	"fmt"
	"math"
	"time"
)

// Retry and Catch: matching an error against ErrorEquals, the retry
// schedule, and the error output a Catch passes on.

type retrier struct {
	errorEquals     []string
	intervalSeconds float64
	maxAttempts     int
	backoffRate     float64
	maxDelaySeconds float64 // 0: no cap
	fullJitter      bool
}

type catcher struct {
	errorEquals []string
	next        string
	resultPath  *resultPath
}

// Limits AWS documents for retriers.
const (
	maxRetryNumber          = 99999999
	maxRetryMaxDelaySeconds = 31622400
)

func parseRetriers(r *fieldReader) []*retrier {
	list := r.objectList("Retry")
	var out []*retrier
	for i, obj := range list {
		rr := r.child(fmt.Sprintf("Retry[%d]", i), obj)
		rt := &retrier{intervalSeconds: 1, maxAttempts: 3, backoffRate: 2}
		rr.optionalString("Comment")
		rt.errorEquals = parseErrorEquals(rr, i == len(list)-1)
		if v, ok := rr.integer("IntervalSeconds", 1, maxRetryNumber); ok {
			rt.intervalSeconds = float64(v)
		}
		if v, ok := rr.integer("MaxAttempts", 0, maxRetryNumber); ok {
			rt.maxAttempts = int(v)
		}
		if v, ok := rr.number("BackoffRate", 1); ok {
			rt.backoffRate = v
		}
		if v, ok := rr.integer("MaxDelaySeconds", 1, maxRetryMaxDelaySeconds); ok {
			rt.maxDelaySeconds = float64(v)
		}
		if s, ok := rr.optionalString("JitterStrategy"); ok {
			switch s {
			case "FULL":
				rt.fullJitter = true
			case "NONE":
			default:
				rr.fail("JitterStrategy", fmt.Sprintf("must be FULL or NONE, got %q", s))
			}
		}
		rr.finish()
		out = append(out, rt)
	}
	return out
}

func parseCatchers(r *fieldReader) []*catcher {
	list := r.objectList("Catch")
	var out []*catcher
	for i, obj := range list {
		cr := r.child(fmt.Sprintf("Catch[%d]", i), obj)
		c := &catcher{resultPath: defaultResultPath}
		cr.optionalString("Comment")
		c.errorEquals = parseErrorEquals(cr, i == len(list)-1)
		c.next, _ = cr.requiredString("Next")
		c.resultPath = parseResultPathField(cr)
		cr.finish()
		out = append(out, c)
	}
	return out
}

// parseErrorEquals reads ErrorEquals and enforces AWS's rule that
// States.ALL appears alone, in the last retrier or catcher.
func parseErrorEquals(r *fieldReader, last bool) []string {
	if !r.has("ErrorEquals") {
		r.fail("ErrorEquals", "is required")
		return nil
	}
	names := r.stringList("ErrorEquals")
	if !r.ok() {
		return nil
	}
	if len(names) == 0 {
		r.fail("ErrorEquals", "must not be empty")
	}
	for _, n := range names {
		if n == ErrorAll && (len(names) > 1 || !last) {
			r.fail("ErrorEquals", "States.ALL must appear alone and in the last retrier or catcher")
		}
	}
	return names
}

// errorMatches applies one ErrorEquals entry to a catchable failure.
// States.ALL matches every catchable error, States.TaskFailed every one
// except States.Timeout.
func errorMatches(pattern string, f *failure) bool {
	switch pattern {
	case ErrorAll:
		return true
	case ErrorTaskFailed:
		return f.name != ErrorTimeout
	}
	return pattern == f.name
}

func anyErrorMatches(patterns []string, f *failure) bool {
	for _, p := range patterns {
		if errorMatches(p, f) {
			return true
		}
	}
	return false
}

// matchRetrier returns the index of the first retrier whose ErrorEquals
// matches f, or -1.
func matchRetrier(retriers []*retrier, f *failure) int {
	for i, rt := range retriers {
		if anyErrorMatches(rt.errorEquals, f) {
			return i
		}
	}
	return -1
}

func matchCatcher(catchers []*catcher, f *failure) *catcher {
	for _, c := range catchers {
		if anyErrorMatches(c.errorEquals, f) {
			return c
		}
	}
	return nil
}

// maxRetryDelay bounds a delay whose backoff grows without a
// MaxDelaySeconds cap (the execution would time out first in AWS anyway).
const maxRetryDelay = maxRetryMaxDelaySeconds * time.Second

// delay returns the wait before retry number attempt+1 (attempt counts the
// retries this retrier already made): IntervalSeconds × BackoffRate^attempt,
// capped at MaxDelaySeconds, then scaled by a random factor in [0, 1) with
// FULL jitter.
func (rt *retrier) delay(attempt int, random func() float64) time.Duration {
	seconds := rt.intervalSeconds * math.Pow(rt.backoffRate, float64(attempt))
	if rt.maxDelaySeconds > 0 && seconds > rt.maxDelaySeconds {
		seconds = rt.maxDelaySeconds
	}
	if seconds > maxRetryDelay.Seconds() || math.IsInf(seconds, 0) || math.IsNaN(seconds) {
		seconds = maxRetryDelay.Seconds()
	}
	if rt.fullJitter {
		seconds *= random()
	}
	return time.Duration(math.Round(seconds * float64(time.Second)))
}

// errorOutput is what a Catch passes on: {"Error": ..., "Cause": ...}.
func errorOutput(f *failure) *object {
	out := newObject(2)
	out.put("Error", f.name)
	if f.hasCause {
		out.put("Cause", f.cause)
	}
	return out
}
