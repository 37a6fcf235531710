// Package termlog is a compact slog.Handler for a person reading a
// terminal: one line per record, the time of day, the level, the message
// and key=value attributes. Two messages get their own shape: the HTTP
// request record ("request": method, path, status, duration_ms,
// request_id) reads as
//
//	12:04:05 INFO  GET /applications/demo/demo → 200 3ms  req=0193…
//
// and a pipeline stage transition ("pipeline": app, pipeline, stage,
// status, reason) as
//
//	12:04:09 INFO  pipeline demo/demo/web 0193… build → complete
package termlog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Handler writes records to an io.Writer, one line each. Safe for
// concurrent use.
type Handler struct {
	out   *lockedWriter
	level slog.Leveler
	attrs []slog.Attr // from WithAttrs, keys already group-qualified
	group string      // prefix for later keys, "" or "a.b."
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a handler writing records at level or above to w.
func New(w io.Writer, level slog.Leveler) *Handler {
	return &Handler{out: &lockedWriter{w: w}, level: level}
}

// ParseLevel reads debug, info, warn or error (any case).
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil || strings.ContainsAny(s, "+-") {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Enabled reports whether records of level are written.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), qualify(h.group, attrs)...)
	return &c
}

// WithGroup returns a handler that qualifies later keys with name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

func qualify(group string, attrs []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, flatten(group, a)...)
	}
	return out
}

// flatten resolves an attribute and spreads a group into dotted keys.
func flatten(prefix string, a slog.Attr) []slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return nil
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		var out []slog.Attr
		for _, g := range a.Value.Group() {
			out = append(out, flatten(p, g)...)
		}
		return out
	}
	a.Key = prefix + a.Key
	return []slog.Attr{a}
}

// Handle writes one line.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, flatten(h.group, a)...)
		return true
	})
	var b strings.Builder
	if !r.Time.IsZero() {
		b.WriteString(r.Time.Format(time.TimeOnly))
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%-5s ", r.Level.String())
	switch {
	case r.Message == "request" && has(attrs, "method", "status"):
		attrs = requestLine(&b, attrs)
	case r.Message == "pipeline" && has(attrs, "app", "stage", "status"):
		attrs = pipelineLine(&b, attrs)
	default:
		b.WriteString(r.Message)
	}
	for _, a := range attrs {
		b.WriteString("  ")
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(quote(a.Value.String()))
	}
	b.WriteByte('\n')
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	_, err := io.WriteString(h.out.w, b.String())
	return err
}

// requestLine writes "GET /path → 200 3ms" and returns the attributes
// left, the request id first (as req=).
func requestLine(b *strings.Builder, attrs []slog.Attr) []slog.Attr {
	get, rest := take(attrs, "method", "path", "route", "status", "duration_ms", "request_id")
	path := get["path"]
	if path == "" {
		path = get["route"]
	}
	fmt.Fprintf(b, "%s %s → %s", get["method"], path, get["status"])
	if d := get["duration_ms"]; d != "" {
		fmt.Fprintf(b, " %sms", d)
	}
	if id := get["request_id"]; id != "" {
		rest = append([]slog.Attr{slog.String("req", id)}, rest...)
	}
	return rest
}

// pipelineLine writes "pipeline <app> <pipeline> <stage> → <status>" and
// returns the attributes left, the reason first.
func pipelineLine(b *strings.Builder, attrs []slog.Attr) []slog.Attr {
	get, rest := take(attrs, "app", "pipeline", "stage", "status", "reason")
	fmt.Fprintf(b, "pipeline %s", get["app"])
	if p := get["pipeline"]; p != "" {
		fmt.Fprintf(b, " %s", p)
	}
	fmt.Fprintf(b, " %s → %s", get["stage"], get["status"])
	if reason := get["reason"]; reason != "" {
		rest = append([]slog.Attr{slog.String("reason", reason)}, rest...)
	}
	return rest
}

func has(attrs []slog.Attr, keys ...string) bool {
	for _, k := range keys {
		found := false
		for _, a := range attrs {
			found = found || a.Key == k
		}
		if !found {
			return false
		}
	}
	return true
}

// take removes the named attributes (their last value wins) and returns
// their values and the others, in order.
func take(attrs []slog.Attr, keys ...string) (map[string]string, []slog.Attr) {
	got := map[string]string{}
	var rest []slog.Attr
	for _, a := range attrs {
		named := false
		for _, k := range keys {
			named = named || a.Key == k
		}
		if named {
			got[a.Key] = a.Value.String()
		} else {
			rest = append(rest, a)
		}
	}
	return got, rest
}

// quote leaves a plain value alone and quotes one with spaces, quotes,
// '=' or control characters, so every line splits back into its fields.
func quote(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return strconv.Quote(s)
		}
	}
	return s
}
