package cloudwatchlogs

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/platform"
)

// The variables the wiring reads.
const (
	// EnvEndpoint points the client at another endpoint (an emulator).
	EnvEndpoint = "LOGS_ENDPOINT"
	// EnvPipelineLogGroup is the stack's PipelineLogGroup.
	EnvPipelineLogGroup = "PIPELINE_LOG_GROUP"
)

// DefaultPoll is how often a waiting read looks for new lines.
const DefaultPoll = 2 * time.Second

// Settle is how long after a pipeline ended its last lines may still be
// on their way into CloudWatch Logs (CodeBuild ships its output in
// batches every few seconds): a pipeline log is complete only after it.
const Settle = 15 * time.Second

// API is the part of the CloudWatch Logs client Source uses.
type API interface {
	GetLogEvents(ctx context.Context, in *cwl.GetLogEventsInput, opts ...func(*cwl.Options)) (*cwl.GetLogEventsOutput, error)
	FilterLogEvents(ctx context.Context, in *cwl.FilterLogEventsInput, opts ...func(*cwl.Options)) (*cwl.FilterLogEventsOutput, error)
}

// Builds is the part of the CodeBuild client Source uses.
type Builds interface {
	BatchGetBuilds(ctx context.Context, in *cb.BatchGetBuildsInput, opts ...func(*cb.Options)) (*cb.BatchGetBuildsOutput, error)
}

var (
	_ API                = (*cwl.Client)(nil)
	_ Builds             = (*cb.Client)(nil)
	_ platform.LogSource = Source{}
)

// NewClient returns a CloudWatch Logs client for cfg; a non-empty
// endpoint points it there.
func NewClient(cfg aws.Config, endpoint string, opts ...func(*cwl.Options)) *cwl.Client {
	if endpoint != "" {
		opts = append([]func(*cwl.Options){func(o *cwl.Options) { o.BaseEndpoint = aws.String(endpoint) }}, opts...)
	}
	return cwl.NewFromConfig(cfg, opts...)
}

// RuntimeLogGroup is Container Insights' application log group of the
// cluster ("" without a cluster).
func RuntimeLogGroup(cluster string) string {
	if cluster == "" {
		return ""
	}
	return "/aws/containerinsights/" + cluster + "/application"
}

// PipelineStream is the pipeline's stream in the PipelineLogGroup.
func PipelineStream(appID, pipelineID string) string { return appID + "/" + pipelineID }

// PipelineLine is an event of a pipeline stream.
type PipelineLine struct {
	Stage   string `json:"stage"`
	Message string `json:"message"`
}

// Source reads logs from CloudWatch Logs.
type Source struct {
	Logs   API
	Builds Builds // nil: no build log
	// PipelineGroup is the PipelineLogGroup; RuntimeGroup Container
	// Insights' application group ("": no runtime log).
	PipelineGroup, RuntimeGroup string
	// Poll is the wait between a waiting read's looks (default DefaultPoll).
	Poll time.Duration
	// Now and Sleep are the clock (defaults: the wall clock).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (s Source) withDefaults() Source {
	if s.Poll <= 0 {
		s.Poll = DefaultPoll
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Sleep == nil {
		s.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return s
}

// Read answers q (platform.LogSource), polling every Poll while it waits.
func (s Source) Read(ctx context.Context, q platform.LogQuery) (platform.LogPage, error) {
	s = s.withDefaults()
	if q.Limit <= 0 || q.Limit > platform.MaxLogLines {
		q.Limit = platform.MaxLogLines
	}
	deadline := s.Now().Add(q.Wait)
	for {
		var page platform.LogPage
		var err error
		if q.PipelineID != "" {
			page, err = s.readPipeline(ctx, q)
		} else {
			page, err = s.readRuntime(ctx, q)
		}
		if err != nil || len(page.Lines) > 0 {
			return page, err
		}
		left := deadline.Sub(s.Now())
		if left <= 0 || ctx.Err() != nil {
			return page, nil
		}
		q.Position, q.Since = page.Position, time.Time{}
		if s.Sleep(ctx, min(left, s.Poll)) != nil {
			return page, nil
		}
	}
}

// pipelinePosition is where a pipeline read ended: the build's stream
// (once known) and each stream's forward token.
type pipelinePosition struct {
	BuildGroup  string `json:"bg,omitempty"`
	BuildStream string `json:"bs,omitempty"`
	BuildToken  string `json:"bt,omitempty"`
	Token       string `json:"pt,omitempty"`
}

func decodePosition(raw string, v any) error {
	if raw == "" {
		return nil
	}
	if json.Unmarshal([]byte(raw), v) != nil {
		return platform.BadLogCursor
	}
	return nil
}

func encodePosition(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s Source) readPipeline(ctx context.Context, q platform.LogQuery) (platform.LogPage, error) {
	var pos pipelinePosition
	if err := decodePosition(q.Position, &pos); err != nil {
		return platform.LogPage{}, err
	}
	var page platform.LogPage
	if q.Stage == "" || q.Stage == platform.LogStageBuild {
		if pos.BuildStream == "" && q.BuildRef != "" && s.Builds != nil {
			group, stream, err := s.buildStream(ctx, q.BuildRef)
			if err != nil {
				return page, err
			}
			pos.BuildGroup, pos.BuildStream = group, stream
		}
		if pos.BuildStream != "" {
			events, token, err := s.events(ctx, pos.BuildGroup, pos.BuildStream, pos.BuildToken, q.Limit)
			if err != nil {
				return page, err
			}
			pos.BuildToken = token
			for _, e := range events {
				page.Lines = append(page.Lines, platform.LogLine{Time: eventTime(e.Timestamp), Stage: platform.LogStageBuild,
					Message: strings.TrimRight(aws.ToString(e.Message), "\r\n")})
			}
			page.More = len(events) == q.Limit
		}
	}
	if q.Stage != platform.LogStageBuild && !page.More && s.PipelineGroup != "" {
		room := q.Limit - len(page.Lines)
		events, token, err := s.events(ctx, s.PipelineGroup, PipelineStream(q.ApplicationID, q.PipelineID), pos.Token, room)
		if err != nil {
			return page, err
		}
		pos.Token = token
		for _, e := range events {
			var l PipelineLine
			if json.Unmarshal([]byte(aws.ToString(e.Message)), &l) != nil || (q.Stage != "" && l.Stage != q.Stage) {
				continue
			}
			page.Lines = append(page.Lines, platform.LogLine{Time: eventTime(e.Timestamp), Stage: l.Stage, Message: l.Message})
		}
		page.More = len(events) == room
	}
	page.Position = encodePosition(pos)
	return page, nil
}

// buildStream names the build's log stream ("" while CodeBuild has not
// made it yet).
func (s Source) buildStream(ctx context.Context, ref string) (group, stream string, err error) {
	out, err := s.Builds.BatchGetBuilds(ctx, &cb.BatchGetBuildsInput{Ids: []string{ref}})
	if err != nil {
		return "", "", classify(err)
	}
	if len(out.Builds) == 0 || out.Builds[0].Logs == nil {
		return "", "", nil
	}
	l := out.Builds[0].Logs
	return aws.ToString(l.GroupName), aws.ToString(l.StreamName), nil
}

// events reads a stream forward from token ("" the start); a stream not
// made yet has no events. The token returned resumes after them.
func (s Source) events(ctx context.Context, group, stream, token string, limit int) ([]types.OutputLogEvent, string, error) {
	in := &cwl.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true), Limit: aws.Int32(int32(limit))}
	if token != "" {
		in.NextToken = aws.String(token)
	}
	out, err := s.Logs.GetLogEvents(ctx, in)
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		return nil, token, nil
	case err != nil:
		var apiErr smithy.APIError
		if token != "" && errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidParameterException" {
			return nil, "", platform.BadLogCursor // a token CloudWatch no longer takes
		}
		return nil, "", classify(err)
	}
	next := aws.ToString(out.NextForwardToken)
	if next == "" {
		next = token
	}
	return out.Events, next, nil
}

// runtimePosition is where a runtime read ended: the last event's time
// (ms) and the ids of the events of that millisecond already returned.
type runtimePosition struct {
	Millis int64    `json:"t"`
	IDs    []string `json:"ids,omitempty"`
}

// maxFilterPages bounds the FilterLogEvents pages of one read.
const maxFilterPages = 10

// podNameRe is a Deployment's pod: "<object name>-<replica set hash>-<pod suffix>".
var podNameRe = regexp.MustCompile(`^(.+)-[a-z0-9]{1,10}-[a-z0-9]{5}$`)

// containerRecord is what Fluent Bit ships of a container's line.
type containerRecord struct {
	Log        string `json:"log"`
	Kubernetes struct {
		PodName       string `json:"pod_name"`
		NamespaceName string `json:"namespace_name"`
		ContainerName string `json:"container_name"`
	} `json:"kubernetes"`
}

func (s Source) readRuntime(ctx context.Context, q platform.LogQuery) (platform.LogPage, error) {
	var pos runtimePosition
	if err := decodePosition(q.Position, &pos); err != nil {
		return platform.LogPage{}, err
	}
	if s.RuntimeGroup == "" || q.Workload == "" {
		if q.Position == "" {
			pos.Millis = q.Since.UnixMilli()
		}
		return platform.LogPage{Position: encodePosition(pos)}, nil
	}
	now := s.Now()
	var lines []platform.LogLine
	var ids []string
	var more bool
	var err error
	if q.Position == "" {
		// The newest Limit lines of the window: windows doubling back from
		// a minute until they hold enough, or reach Since.
		for d := time.Minute; ; d *= 2 {
			from := now.Add(-d)
			if !from.After(q.Since) {
				from = q.Since
			}
			lines, ids, more, err = s.filter(ctx, q, from.UnixMilli(), nil, false)
			if err != nil || len(lines) >= q.Limit || more || !from.After(q.Since) {
				break
			}
		}
		if len(lines) > q.Limit {
			lines, ids, more = lines[len(lines)-q.Limit:], ids[len(ids)-q.Limit:], false
		}
	} else {
		lines, ids, more, err = s.filter(ctx, q, pos.Millis, pos.IDs, true)
		if len(lines) > q.Limit {
			lines, ids, more = lines[:q.Limit], ids[:q.Limit], true
		}
	}
	if err != nil {
		return platform.LogPage{}, err
	}
	next := pos
	if q.Position == "" {
		next = runtimePosition{Millis: q.Since.UnixMilli()}
	}
	if len(lines) > 0 {
		last := lines[len(lines)-1].Time.UnixMilli()
		if last != next.Millis {
			next = runtimePosition{Millis: last}
		}
		for i := len(lines) - 1; i >= 0 && lines[i].Time.UnixMilli() == last; i-- {
			next.IDs = append(next.IDs, ids[i])
		}
	}
	return platform.LogPage{Lines: lines, Position: encodePosition(next), More: more}, nil
}

// filter reads the application's container lines from the millisecond
// from on, oldest first, leaving out the events of seen; more says the
// page bound stopped it. A follow stops once it has more than Limit
// lines; a first read reads the window's every page (up to
// maxFilterPages), whose newest lines it wants.
func (s Source) filter(ctx context.Context, q platform.LogQuery, from int64, seen []string, follow bool) ([]platform.LogLine, []string, bool, error) {
	skip := map[string]bool{}
	for _, id := range seen {
		skip[id] = true
	}
	prefix := q.Workload + "-"
	if q.Process != "" {
		prefix = kube.ObjectName(q.Workload, q.Process) + "-"
	}
	in := &cwl.FilterLogEventsInput{
		LogGroupName:  aws.String(s.RuntimeGroup),
		StartTime:     aws.Int64(from),
		FilterPattern: aws.String(`{ ($.kubernetes.namespace_name = "` + q.Namespace + `") && ($.kubernetes.pod_name = "` + prefix + `*") }`),
		Limit:         aws.Int32(int32(platform.MaxLogLines)),
	}
	var lines []platform.LogLine
	var ids []string
	for range maxFilterPages {
		out, err := s.Logs.FilterLogEvents(ctx, in)
		var notFound *types.ResourceNotFoundException
		if errors.As(err, &notFound) {
			return nil, nil, false, nil // no container has shipped a line yet
		}
		if err != nil {
			return nil, nil, false, classify(err)
		}
		for _, e := range out.Events {
			id := aws.ToString(e.EventId)
			line, ok := runtimeLine(q, e)
			if !ok || skip[id] {
				continue
			}
			lines, ids = append(lines, line), append(ids, id)
		}
		if out.NextToken == nil || len(lines) > q.Limit && follow {
			more := out.NextToken != nil
			sortLines(lines, ids)
			return lines, ids, more, nil
		}
		in.NextToken = out.NextToken
	}
	sortLines(lines, ids)
	return lines, ids, true, nil
}

// runtimeLine is the event's line when one of the application's pods
// wrote it (the pod name is exactly one of its Deployments').
func runtimeLine(q platform.LogQuery, e types.FilteredLogEvent) (platform.LogLine, bool) {
	var r containerRecord
	if json.Unmarshal([]byte(aws.ToString(e.Message)), &r) != nil || r.Kubernetes.NamespaceName != q.Namespace {
		return platform.LogLine{}, false
	}
	k := r.Kubernetes
	m := podNameRe.FindStringSubmatch(k.PodName)
	if m == nil || m[1] != kube.ObjectName(q.Workload, k.ContainerName) || (q.Process != "" && k.ContainerName != q.Process) {
		return platform.LogLine{}, false
	}
	return platform.LogLine{Time: eventTime(e.Timestamp), Process: k.ContainerName, Instance: k.PodName,
		Message: strings.TrimRight(r.Log, "\r\n")}, true
}

// sortLines orders lines (and their ids) by time, stably: CloudWatch
// returns a page's events by time within each stream only.
func sortLines(lines []platform.LogLine, ids []string) {
	idx := make([]int, len(lines))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return lines[idx[a]].Time.Before(lines[idx[b]].Time) })
	l2, i2 := make([]platform.LogLine, len(lines)), make([]string, len(ids))
	for i, j := range idx {
		l2[i], i2[i] = lines[j], ids[j]
	}
	copy(lines, l2)
	copy(ids, i2)
}

func eventTime(ms *int64) time.Time { return time.UnixMilli(aws.ToInt64(ms)).UTC() }

// transientCodes are error codes worth retrying later.
var transientCodes = map[string]bool{
	"ThrottlingException": true, "LimitExceededException": true, "ServiceUnavailableException": true,
}

// classify makes throttling, service faults and network failures platform
// "unavailable" errors (a 503 to retry); anything else stays internal.
func classify(err error) error {
	var apiErr smithy.APIError
	var respErr *smithyhttp.ResponseError
	var sendErr *smithyhttp.RequestSendError
	if errors.As(err, &sendErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &apiErr) && transientCodes[apiErr.ErrorCode()] ||
		errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500 {
		return platform.Unavailable(err)
	}
	return err
}
