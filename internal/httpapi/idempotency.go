package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// How long idempotency records live.
const (
	IdempotencyTTL   = 24 * time.Hour
	idempotencyClaim = 5 * time.Minute // longer than any request may run
	// idempotencySettleTimeout bounds storing or releasing a claim after
	// the request's own context has ended.
	idempotencySettleTimeout = 2 * time.Second
)

// replayedHeaders are the response headers kept for replay.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

func validIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for _, c := range []byte(k) {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// idempotent runs a POST at most once per (token, Idempotency-Key): the
// first response is stored and replayed for the same request, a different
// request under the same key is a 422, one still running a 409. Refusals
// (401, 403, 404) and server errors are not stored: the key is released.
func (cfg Config) idempotent(w http.ResponseWriter, r *http.Request, rt Route) error {
	key := r.Header.Get("Idempotency-Key")
	if !validIdempotencyKey(key) {
		return platform.Invalid("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
	}
	caller, err := Caller(r)
	if err != nil {
		return err
	}
	sum := sha256.New()
	sum.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	sum.Write(Body(r))
	hash := hex.EncodeToString(sum.Sum(nil))
	scoped := caller.TokenID + "|" + key
	now := cfg.Now()

	rec, claimed, err := cfg.Idempotency.ClaimIdempotencyKey(r.Context(), scoped, hash, now.Add(idempotencyClaim))
	if err != nil {
		return err
	}
	if !claimed {
		return replay(w, rec, hash)
	}
	buf := &bufferedResponse{header: http.Header{}}
	handleErr := rt.Handle(buf, r)
	if handleErr != nil {
		buf = &bufferedResponse{header: http.Header{}}
		WriteError(buf, r, handleErr)
	}
	// The claim is settled even when the request's context has ended (a
	// client that gave up must not leave its key claimed).
	cleanup, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), idempotencySettleTimeout)
	defer cancel()
	if buf.status >= 500 || refused(buf.status) {
		// Let a retry run again; a refusal also leaves nothing behind (it
		// did nothing, and a caller given access later must not be
		// answered its old refusal).
		_ = cfg.Idempotency.ReleaseIdempotencyKey(cleanup, scoped)
	} else {
		stored := platform.StoredResponse{Status: buf.status, Header: map[string]string{}, Body: buf.body.Bytes()}
		if rt.SecretResponse && buf.status < 300 {
			stored = platform.StoredResponse{} // never store a secret; a repeat is a 409
		} else {
			for _, h := range replayedHeaders {
				if v := buf.header.Get(h); v != "" {
					stored.Header[h] = v
				}
			}
		}
		if err := cfg.Idempotency.CompleteIdempotencyKey(cleanup, scoped, stored, now.Add(IdempotencyTTL)); err != nil {
			// Answer what the request did all the same. A success keeps
			// its claim (releasing it would let a retry do it twice): until
			// it expires a repeat is a 409, as for a request still running.
			slog.ErrorContext(r.Context(), "storing an idempotent response failed", "request_id", RequestID(r), "error", err.Error())
			if buf.status >= 300 {
				_ = cfg.Idempotency.ReleaseIdempotencyKey(cleanup, scoped)
			}
		}
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
	return nil
}

// refused reports whether a status refuses the caller (no token, no
// right, or nothing it may see): such a request changes nothing, so it
// is not recorded either.
func refused(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound
}

// replay answers a repeated request from its record. A record without a
// status is a success whose response held a secret (never stored): 409.
func replay(w http.ResponseWriter, rec platform.IdempotencyRecord, hash string) error {
	switch {
	case rec.RequestHash != hash:
		return platform.Invalid("Idempotency-Key", "was already used for a different request")
	case rec.Response == nil:
		return platform.Errorf(platform.CodeConflict, "a request with this Idempotency-Key is still being processed")
	case rec.Response.Status == 0:
		return platform.Errorf(platform.CodeConflict, "this Idempotency-Key already created a token; its secret is shown only once")
	}
	for k, v := range rec.Response.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(rec.Response.Status)
	_, _ = w.Write(rec.Response.Body)
	return nil
}

// bufferedResponse captures a handler's response so it can be stored
// before it is sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
