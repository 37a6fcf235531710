package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// TokenPrefix starts every Slipway token, so leaked tokens are easy to scan for.
const TokenPrefix = "slw_"

// NewTokenSecret returns a new random token secret.
func NewTokenSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("httpapi: reading random bytes: " + err.Error())
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the hash under which a token secret is stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

var errUnauthorized = platform.Errorf(platform.CodeUnauthorized, "a valid bearer token is required")

// pendingCaller is a token lookup under way: it runs concurrently with the
// handler's own reads, so authentication adds no round trip of latency.
type pendingCaller struct {
	done   chan struct{}
	caller platform.Caller
	err    error
	// used is closed once the token's use is recorded (nil when no
	// recording was due).
	used chan struct{}
}

// TouchTimeout bounds the recording of a token's use.
const TouchTimeout = 2 * time.Second

// recordUse records the token's use when the recorded one is stale
// (platform.TokenUseResolution): concurrently with the handler, on a
// context the client cannot cancel. A failed recording is logged and
// tried again by the token's next request.
func (cfg Config) recordUse(ctx context.Context, p *pendingCaller, tok platform.Token) {
	now := cfg.Now()
	if !tok.UseIsStale(now) {
		return
	}
	p.used = make(chan struct{})
	go func() {
		defer close(p.used)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), TouchTimeout)
		defer cancel()
		if err := cfg.Tokens.TouchToken(ctx, tok, now); err != nil {
			slog.WarnContext(ctx, "recording a token's use failed", "token_id", tok.ID, "error", err.Error())
		}
	}()
}

// settleUse waits for the recording of the token's use, if one runs: the
// request is not over (nor, in a Lambda, the invocation, after which the
// environment may freeze) until it is written.
func (p *pendingCaller) settleUse() {
	<-p.done
	if p.used != nil {
		<-p.used
	}
}

func (p *pendingCaller) wait(ctx context.Context) (platform.Caller, error) {
	select {
	case <-p.done:
		return p.caller, p.err
	case <-ctx.Done():
		return platform.Caller{}, platform.Unavailable(ctx.Err())
	}
}

func (cfg Config) authenticate(ctx context.Context, header string) *pendingCaller {
	p := &pendingCaller{done: make(chan struct{})}
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > 256 {
		p.err = errUnauthorized
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		tok, err := cfg.Tokens.TokenByHash(ctx, HashToken(strings.TrimSpace(secret)))
		switch {
		case platform.IsCode(err, platform.CodeNotFound):
			p.err = errUnauthorized
		case err != nil:
			p.err = err
		default:
			p.caller = platform.CallerFromToken(tok)
			cfg.recordUse(ctx, p, tok)
		}
	}()
	return p
}

// Caller waits for the request's token lookup and returns who is calling.
// Handlers call it before any write; reads may run first, concurrently.
func Caller(r *http.Request) (platform.Caller, error) {
	p, ok := r.Context().Value(callerKey).(*pendingCaller)
	if !ok {
		return platform.Caller{}, errUnauthorized
	}
	return p.wait(r.Context())
}

// authGuard makes authentication fail closed: whatever a handler writes,
// the response is a 401 (or 503) unless the token was valid. Handlers may
// read before they call Caller; they can never answer before it resolves.
type authGuard struct {
	http.ResponseWriter
	r       *http.Request
	pending *pendingCaller
	decided bool
	blocked bool
}

func (g *authGuard) WriteHeader(code int) {
	if g.decided {
		return
	}
	g.decided = true
	if _, err := g.pending.wait(g.r.Context()); err != nil {
		g.blocked = true
		WriteError(g.ResponseWriter, g.r, err)
		return
	}
	g.ResponseWriter.WriteHeader(code)
}

// settle makes a handler's returned error fail closed as well: unless the
// token was valid, the caller is answered the authentication error, not
// whatever the handler returned (say, a read that failed before the
// handler asked for the caller).
func (g *authGuard) settle(err error) error {
	if err == nil || g.decided {
		return err
	}
	if _, authErr := g.pending.wait(g.r.Context()); authErr != nil {
		return authErr
	}
	return err
}

func (g *authGuard) Write(b []byte) (int, error) {
	if !g.decided {
		g.WriteHeader(http.StatusOK)
	}
	if g.blocked {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}
