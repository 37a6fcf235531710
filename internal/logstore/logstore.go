package logstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// Default bounds of a Store.
const (
	DefaultMaxLinesPerLog = 10_000
	DefaultMaxBytes       = 64 << 20
	// lineOverhead is what a stored line costs besides its message and
	// strings (the entry, its slice slot and the eviction queue's).
	lineOverhead = 160
)

// Generator produces the runtime lines of an application's running
// instances for a window, lazily (the simulated cluster).
type Generator interface {
	// RuntimeLines returns the lines written in [from, to], oldest first
	// (ties in a deterministic order).
	RuntimeLines(applicationID string, from, to time.Time) []platform.LogLine
	// NextRuntimeLine is the time of the first line written after t;
	// false when nothing runs that would write one.
	NextRuntimeLine(applicationID string, after time.Time) (time.Time, bool)
}

// Store is the in-memory log store. Its zero value is not usable; use New.
type Store struct {
	clock stepfn.Clock
	gen   Generator
	// MaxLinesPerLog bounds each log's lines; MaxBytes all logs' cost
	// (messages plus lineOverhead a line). Past either bound the oldest
	// lines go. Set them before the first write.
	MaxLinesPerLog int
	MaxBytes       int

	mu      sync.Mutex
	waiting int // readers in a long poll now
	logs    map[string]*logOf
	bytes   int
	queue   []queued // every stored line, oldest first: the global eviction order
}

type queued struct {
	key string
	seq uint64
}

type logOf struct {
	entries []entry // oldest first
	next    uint64  // seq of the next line
	changed chan struct{}
}

type entry struct {
	seq  uint64
	line platform.LogLine
}

var (
	_ sim.LogSink        = (*Store)(nil)
	_ platform.LogSource = (*Store)(nil)
)

// New returns an empty store on clock (nil: the wall clock) with the
// generator of runtime lines gen (nil: none) and the default bounds.
func New(clock stepfn.Clock, gen Generator) *Store {
	if clock == nil {
		clock = stepfn.RealClock{}
	}
	return &Store{clock: clock, gen: gen, MaxLinesPerLog: DefaultMaxLinesPerLog, MaxBytes: DefaultMaxBytes, logs: map[string]*logOf{}}
}

// SetGenerator sets the generator of runtime lines (the cluster is made
// after the store it writes to).
func (s *Store) SetGenerator(g Generator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen = g
}

func pipelineKey(appID, pipelineID string) string { return "p\x00" + appID + "\x00" + pipelineID }
func runtimeKey(appID string) string              { return "r\x00" + appID }

// Pipeline appends a line to a stage of a pipeline's log (sim.LogSink).
func (s *Store) Pipeline(appID, pipelineID, stage string, at time.Time, msg string) {
	s.append(pipelineKey(appID, pipelineID), platform.LogLine{Time: at.UTC(), Stage: stage, Message: msg})
}

// Runtime appends a line an instance wrote (sim.LogSink).
func (s *Store) Runtime(appID, process, instance string, releaseVersion int64, at time.Time, msg string) {
	s.append(runtimeKey(appID), platform.LogLine{Time: at.UTC(), Process: process, Instance: instance, ReleaseVersion: releaseVersion, Message: msg})
}

func lineBytes(l platform.LogLine) int {
	return lineOverhead + len(l.Message) + len(l.Stage) + len(l.Process) + len(l.Instance)
}

func (s *Store) append(key string, line platform.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lg := s.log(key)
	lg.entries = append(lg.entries, entry{seq: lg.next, line: line})
	s.queue = append(s.queue, queued{key: key, seq: lg.next})
	lg.next++
	s.bytes += lineBytes(line)
	if over := len(lg.entries) - s.MaxLinesPerLog; over > 0 {
		for i := range lg.entries[:over] {
			s.bytes -= lineBytes(lg.entries[i].line)
			lg.entries[i] = entry{} // re-slicing keeps the array: let the line go
		}
		lg.entries = lg.entries[over:]
	}
	for s.bytes > s.MaxBytes && len(s.queue) > 0 {
		s.evictOldest()
	}
	close(lg.changed)
	lg.changed = make(chan struct{})
}

// evictOldest drops the globally oldest stored line; s.mu is held. Queue
// entries of lines the per-log bound already dropped are skipped.
func (s *Store) evictOldest() {
	q := s.queue[0]
	s.queue[0] = queued{}
	s.queue = s.queue[1:]
	lg := s.logs[q.key]
	if lg == nil || len(lg.entries) == 0 || lg.entries[0].seq != q.seq {
		return
	}
	s.bytes -= lineBytes(lg.entries[0].line)
	lg.entries[0] = entry{}
	lg.entries = lg.entries[1:] // an emptied log keeps its numbering and waiters
}

// log returns the log of key, made on first use; s.mu is held.
func (s *Store) log(key string) *logOf {
	lg := s.logs[key]
	if lg == nil {
		lg = &logOf{changed: make(chan struct{})}
		s.logs[key] = lg
	}
	return lg
}

// Waiting is how many reads wait in a long poll now.
func (s *Store) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// Bytes is what the stored lines cost, as the MaxBytes bound counts it.
func (s *Store) Bytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Read returns the lines of the query's log after its position (see
// platform.LogSource); with Wait it blocks until a line arrives, Wait
// passes or ctx ends.
func (s *Store) Read(ctx context.Context, q platform.LogQuery) (platform.LogPage, error) {
	if q.Limit <= 0 || q.Limit > platform.MaxLogLines {
		q.Limit = platform.MaxLogLines
	}
	deadline := s.clock.Now().Add(q.Wait)
	for {
		page, changed, next, err := s.read(q)
		if err != nil || len(page.Lines) > 0 {
			return page, err
		}
		if ctx.Err() != nil {
			return page, nil
		}
		now := s.clock.Now()
		left := deadline.Sub(now)
		if left <= 0 {
			return page, nil
		}
		if !next.IsZero() && next.Sub(now) < left {
			left = max(next.Sub(now), time.Millisecond)
		}
		// The position stays; the next round reads from it again.
		q.Position, q.Since = page.Position, time.Time{}
		if !s.sleep(ctx, changed, left) {
			return page, nil
		}
	}
}

// sleep waits for changed, d on the clock or ctx; false when ctx ended.
func (s *Store) sleep(ctx context.Context, changed <-chan struct{}, d time.Duration) bool {
	s.mu.Lock()
	s.waiting++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
	}()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slept := make(chan struct{})
	go func() {
		_ = s.clock.Sleep(sctx, d)
		close(slept)
	}()
	select {
	case <-changed:
	case <-slept:
	case <-ctx.Done():
		return false
	}
	return true
}

// read answers q at once: the page, the channel that signals the log's
// next append and when the generator writes its next line (zero: never).
func (s *Store) read(q platform.LogQuery) (platform.LogPage, <-chan struct{}, time.Time, error) {
	if q.PipelineID != "" {
		page, changed, err := s.readPipeline(q)
		return page, changed, time.Time{}, err
	}
	return s.readRuntime(q)
}

func (s *Store) readPipeline(q platform.LogQuery) (platform.LogPage, <-chan struct{}, error) {
	var after uint64 // lines with seq >= after are new
	if q.Position != "" {
		n, err := strconv.ParseUint(q.Position, 10, 64)
		if err != nil {
			return platform.LogPage{}, nil, platform.BadLogCursor
		}
		after = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lg := s.log(pipelineKey(q.ApplicationID, q.PipelineID))
	page := platform.LogPage{}
	next := after
	for _, e := range lg.entries {
		if e.seq < after || (q.Stage != "" && e.line.Stage != q.Stage) {
			if e.seq >= after {
				next = e.seq + 1 // filtered out: read past it
			}
			continue
		}
		if len(page.Lines) == q.Limit {
			page.More = true
			break
		}
		page.Lines = append(page.Lines, e.line)
		next = e.seq + 1
	}
	if !page.More && lg.next > next {
		next = lg.next
	}
	page.Position = strconv.FormatUint(next, 10)
	return page, lg.changed, nil
}

// A runtime position is "<unix nanos>:<n>": after the first n lines of
// that instant.
func parseRuntimePosition(p string) (time.Time, int, bool) {
	ts, n, ok := strings.Cut(p, ":")
	nanos, err1 := strconv.ParseInt(ts, 10, 64)
	count, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || count < 0 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, nanos).UTC(), count, true
}

func runtimePosition(t time.Time, n int) string { return fmt.Sprintf("%d:%d", t.UnixNano(), n) }

func (s *Store) readRuntime(q platform.LogQuery) (platform.LogPage, <-chan struct{}, time.Time, error) {
	now := s.clock.Now().UTC()
	from, skip := q.Since, 0
	if q.Position != "" {
		var ok bool
		if from, skip, ok = parseRuntimePosition(q.Position); !ok {
			return platform.LogPage{}, nil, time.Time{}, platform.BadLogCursor
		}
	}
	skipped := skip
	s.mu.Lock()
	gen := s.gen
	lg := s.log(runtimeKey(q.ApplicationID))
	changed := lg.changed
	var stored []platform.LogLine
	for _, e := range lg.entries {
		if !e.line.Time.Before(from) && !e.line.Time.After(now) {
			stored = append(stored, e.line)
		}
	}
	s.mu.Unlock()

	var lines []platform.LogLine
	if gen != nil {
		genFrom := from
		if q.Position == "" {
			genFrom = newestWindow(gen, q, from, now)
		}
		lines = gen.RuntimeLines(q.ApplicationID, genFrom, now)
	}
	lines = append(lines, stored...)
	slices.SortStableFunc(lines, func(a, b platform.LogLine) int { return a.Time.Compare(b.Time) })
	lines = slices.DeleteFunc(lines, func(l platform.LogLine) bool { return q.Process != "" && l.Process != q.Process })
	// skip the lines of the position's instant already returned
	for skip > 0 && len(lines) > 0 && lines[0].Time.Equal(from) {
		lines, skip = lines[1:], skip-1
	}
	skipped -= skip
	page := platform.LogPage{Position: q.Position}
	if page.Position == "" {
		page.Position = runtimePosition(from, 0)
	}
	if q.Position == "" && len(lines) > q.Limit { // the newest window first
		lines = lines[len(lines)-q.Limit:]
	} else if len(lines) > q.Limit {
		lines, page.More = lines[:q.Limit], true
	}
	if len(lines) > 0 {
		last := lines[len(lines)-1].Time
		n := 0
		for i := len(lines) - 1; i >= 0 && lines[i].Time.Equal(last); i-- {
			n++
		}
		if last.Equal(from) && q.Position != "" {
			n += skipped
		}
		page.Position = runtimePosition(last, n)
	}
	page.Lines = lines
	var next time.Time
	if gen != nil {
		next, _ = gen.NextRuntimeLine(q.ApplicationID, now)
	}
	return page, changed, next, nil
}

// newestWindow is where a first runtime read generates from: the window
// [since, now] shrunk to the newest part that holds Limit lines (doubling
// from one minute), so a 7-day window does not generate a week of lines.
func newestWindow(gen Generator, q platform.LogQuery, since, now time.Time) time.Time {
	for d := time.Minute; ; d *= 2 {
		from := now.Add(-d)
		if !from.After(since) {
			return since
		}
		if len(gen.RuntimeLines(q.ApplicationID, from, now)) >= q.Limit {
			return from
		}
	}
}
