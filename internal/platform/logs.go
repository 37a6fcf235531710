package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
)

// The stages of a pipeline's log.
const (
	LogStageBuild   = "build"
	LogStageRelease = "release"
	LogStageDeploy  = "deploy"
)

// LogStages are the stages of a pipeline's log, in pipeline order.
var LogStages = []string{LogStageBuild, LogStageRelease, LogStageDeploy}

// ParseLogStage checks ?stage= ("" means every stage); anything else is a
// validation error naming "stage".
func ParseLogStage(s string) (string, error) {
	for _, st := range LogStages {
		if s == st {
			return s, nil
		}
	}
	if s == "" {
		return "", nil
	}
	return "", Invalid("stage", "must be one of "+strings.Join(LogStages, ", "))
}

// Bounds of a runtime log's ?since= window.
const (
	DefaultLogSince = 15 * time.Minute
	MinLogSince     = time.Minute
	MaxLogSince     = 7 * 24 * time.Hour
)

// ParseLogSince reads ?since=: a Go duration or a number of days ("7d"),
// from 1m to 7d ("" is 15m); anything else names "since".
func ParseLogSince(s string) (time.Duration, error) {
	if s == "" {
		return DefaultLogSince, nil
	}
	bad := Invalid("since", "must be a duration from 1m to 7d, e.g. 15m, 2h or 3d")
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok && len(days) == 1 && days[0] >= '1' && days[0] <= '7' {
		d = time.Duration(days[0]-'0') * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < MinLogSince || d > MaxLogSince {
		return 0, bad
	}
	return d, nil
}

// MaxLogWait bounds ?wait=: a long poll ends well inside API Gateway's 30 s
// integration timeout and the functions' own.
const MaxLogWait = 20 * time.Second

// MaxLogLines bounds the lines of one answer.
const MaxLogLines = 500

// LogLine is one line of a log. Pipeline lines have a Stage; runtime lines
// the Process, Instance and ReleaseVersion that wrote them.
type LogLine struct {
	Time           time.Time
	Stage          string
	Process        string
	Instance       string
	ReleaseVersion int64
	Message        string
}

// LogQuery asks a LogSource for the lines of one log after a position.
type LogQuery struct {
	ApplicationID string
	// PipelineID selects a pipeline's log; empty selects the
	// application's runtime log.
	PipelineID string
	// BuildRef is the pipeline's build (the builder's reference), when it
	// has one: the AWS source finds the build's log stream by it.
	BuildRef string
	// Stage filters a pipeline log ("" = every stage).
	Stage string
	// Process filters a runtime log ("" = every process).
	Process string
	// Namespace and Workload place the application's pods in the cluster
	// (pipeline.WorkloadOf): the AWS source finds its runtime lines by them.
	Namespace, Workload string
	// Since starts a runtime log read without a position: lines from then
	// on, the newest Limit of them.
	Since time.Time
	// Position is where the previous read ended (a LogPage's Position),
	// "" for the start. Its meaning is the source's own; the API carries
	// it in a signed cursor.
	Position string
	// Limit bounds the lines returned (1..MaxLogLines).
	Limit int
	// Wait, when positive, holds the read until a line arrives or Wait
	// passes (a long poll); a read with lines returns at once.
	Wait time.Duration
}

// LogPage is the answer of a read: lines oldest first and the position to
// read on from. More says lines were left out by the limit.
type LogPage struct {
	Lines    []LogLine
	Position string
	More     bool
}

// LogSource reads pipeline and runtime logs (CloudWatch Logs in AWS, the
// local system's in-memory store locally). A position it cannot read is a
// bad request naming "cursor" (BadLogCursor).
type LogSource interface {
	Read(ctx context.Context, q LogQuery) (LogPage, error)
}

// BadLogCursor is the error of a cursor that is not valid for its log.
var BadLogCursor = &Error{Code: CodeBadRequest, Message: "the cursor is not valid for this log",
	Fields: []FieldError{{Field: "cursor", Message: "is not a cursor of this log"}}}

// CursorSigner seals positions into opaque cursors bound to their list
// or log with an HMAC-SHA256 under Key. The store's list cursors and the
// log cursors share it.
type CursorSigner struct{ Key []byte }

func (c CursorSigner) mac(list string, payload []byte) []byte {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte(list))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

// MaxCursorLen bounds a cursor's length.
const MaxCursorLen = 2048

// Seal returns the cursor of payload in list.
func (c CursorSigner) Seal(list string, payload []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(c.mac(list, payload))
}

// Open verifies cursor for list and returns its payload; ok is false for
// a cursor of another list, a tampered one and any non-canonical spelling.
func (c CursorSigner) Open(cursor, list string) (payload []byte, ok bool) {
	if len(cursor) > MaxCursorLen {
		return nil, false
	}
	enc := base64.RawURLEncoding
	p, s, found := strings.Cut(cursor, ".")
	if !found {
		return nil, false
	}
	payload, err1 := enc.DecodeString(p)
	sig, err2 := enc.DecodeString(s)
	// Only the canonical encoding is a cursor: the decoder skips newlines
	// and ignores stray trailing bits, so other spellings of a signed
	// cursor would pass the signature check.
	canonical := err1 == nil && err2 == nil && enc.EncodeToString(payload) == p && enc.EncodeToString(sig) == s
	if !canonical || !hmac.Equal(sig, c.mac(list, payload)) {
		return nil, false
	}
	return payload, true
}

// PipelineLog is what the log routes know of one pipeline: its build, and
// whether and when it ended.
type PipelineLog struct {
	ID       string
	BuildRef string
	// ConfigVersion is the config its release runs with (0: no release
	// yet): its secrets are masked too, should they have changed since.
	ConfigVersion int64
	Ended         bool
	// EndedAt is the last update of its records once it ended.
	EndedAt time.Time
}

// FindPipelineLog finds the pipeline id among the application's newest
// records and the images and releases given (older ones), found false
// when none belongs to it. A pipeline is running while it is the
// application's running pipeline.
func FindPipelineLog(a Application, images []Image, releases []Release, id string, now time.Time) (PipelineLog, bool) {
	p := PipelineLog{ID: id}
	found := false
	touch := func(updated time.Time) {
		found = true
		if updated.After(p.EndedAt) {
			p.EndedAt = updated
		}
	}
	if a.LatestPipeline != nil && a.LatestPipeline.ID == id {
		found = true
	}
	if img := a.LatestImage; img != nil {
		images = append([]Image{*img}, images...)
	}
	for _, img := range images {
		if img.ID == id {
			touch(img.Updated)
			if img.BuildRef != "" {
				p.BuildRef = img.BuildRef
			}
		}
	}
	var releaseIDs []string
	if rel := a.LatestRelease; rel != nil {
		releases = append([]Release{*rel}, releases...)
	}
	for _, rel := range releases {
		if rel.Pipeline() == id {
			touch(rel.Updated)
			releaseIDs = append(releaseIDs, rel.ID)
			if p.ConfigVersion == 0 {
				p.ConfigVersion = rel.ConfigVersion
			}
		}
	}
	if dep := a.LatestDeployment; dep != nil {
		for _, r := range releaseIDs {
			if dep.ReleaseID == r {
				touch(dep.Updated)
			}
		}
	}
	p.Ended = a.RunningPipeline(now) != id
	return p, found
}

// SecretMasker replaces an application's secret config values by "***" in
// log lines without knowing them: it holds only their keyed fingerprints
// and lengths, so the API functions mask without decrypting (only the
// pipeline may decrypt). For each distinct secret length L it slides an
// L-byte window over the line and compares the window's fingerprint with
// the secrets' of that length: len(line)·lengths HMACs a line (see
// docs/performance.md for the cost).
type SecretMasker struct {
	key     []byte                    // the application's fingerprint key
	lengths []int                     // distinct secret lengths, ascending
	byLen   map[int]map[[16]byte]bool // fingerprints by value length
	_       struct{}                  // not comparable
}

// NewSecretMasker returns the masker of the secret vars of the configs
// (versions of one application's config), whose fingerprints fp computed.
func NewSecretMasker(fp Fingerprinter, cfgs ...Config) *SecretMasker {
	if len(cfgs) == 0 {
		return nil
	}
	m := &SecretMasker{key: fp.appKey(cfgs[0].ApplicationID), byLen: map[int]map[[16]byte]bool{}}
	var vars []ConfigVar
	for _, cfg := range cfgs {
		for _, v := range cfg.Vars {
			vars = append(vars, v)
		}
	}
	for _, v := range vars {
		raw, ok := strings.CutPrefix(v.Fingerprint, fingerprintPrefix)
		sum, err := base64.RawURLEncoding.DecodeString(raw)
		if !v.Secret || v.Size == 0 || !ok || err != nil || len(sum) != 16 {
			continue
		}
		set := m.byLen[v.Size]
		if set == nil {
			set = map[[16]byte]bool{}
			m.byLen[v.Size] = set
			m.lengths = append(m.lengths, v.Size)
		}
		set[[16]byte(sum)] = true
	}
	return m
}

// Mask returns line with every occurrence of a secret value replaced by
// "***" (overlapping occurrences become one).
func (m *SecretMasker) Mask(line string) string {
	if m == nil || len(m.lengths) == 0 {
		return line
	}
	type span struct{ from, to int }
	var hits []span
	h := hmac.New(sha256.New, m.key)
	var sum [sha256.Size]byte
	raw := []byte(line)
	for _, l := range m.lengths {
		set := m.byLen[l]
		for i := 0; i+l <= len(raw); i++ {
			h.Reset()
			h.Write(raw[i : i+l])
			if set[[16]byte(h.Sum(sum[:0])[:16])] {
				hits = append(hits, span{i, i + l})
			}
		}
	}
	if len(hits) == 0 {
		return line
	}
	covered := make([]bool, len(line))
	for _, s := range hits {
		for i := s.from; i < s.to; i++ {
			covered[i] = true
		}
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if !covered[i] {
			b.WriteByte(line[i])
			continue
		}
		b.WriteString("***")
		for i+1 < len(line) && covered[i+1] {
			i++
		}
	}
	return b.String()
}
