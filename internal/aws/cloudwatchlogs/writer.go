package cloudwatchlogs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// WriteAPI is the part of the CloudWatch Logs client Writer uses.
type WriteAPI interface {
	CreateLogStream(ctx context.Context, in *cwl.CreateLogStreamInput, opts ...func(*cwl.Options)) (*cwl.CreateLogStreamOutput, error)
	PutLogEvents(ctx context.Context, in *cwl.PutLogEventsInput, opts ...func(*cwl.Options)) (*cwl.PutLogEventsOutput, error)
}

var (
	_ WriteAPI           = (*cwl.Client)(nil)
	_ pipeline.LogWriter = Writer{}
)

// writeTimeout bounds one line's write.
const writeTimeout = 5 * time.Second

// Writer puts the pipeline's own lines (PipelineLine events) into the
// pipeline's stream of the PipelineLogGroup, making the stream on its
// first line (pipeline.LogWriter). A line that cannot be written is
// logged and dropped: the log never fails a pipeline.
type Writer struct {
	Client WriteAPI
	Group  string
}

// Pipeline writes one line.
func (w Writer) Pipeline(appID, pipelineID, stage string, at time.Time, message string) {
	if w.Group == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := w.put(ctx, PipelineStream(appID, pipelineID), stage, at, message); err != nil {
		slog.Warn("pipeline log line not written", "application_id", appID, "pipeline_id", pipelineID, "stage", stage, "err", err)
	}
}

func (w Writer) put(ctx context.Context, stream, stage string, at time.Time, message string) error {
	body, _ := json.Marshal(PipelineLine{Stage: stage, Message: message})
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String(w.Group), LogStreamName: aws.String(stream),
		LogEvents: []types.InputLogEvent{{Message: aws.String(string(body)), Timestamp: aws.Int64(at.UnixMilli())}}}
	_, err := w.Client.PutLogEvents(ctx, in)
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		return err
	}
	_, err = w.Client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(w.Group), LogStreamName: aws.String(stream)})
	var exists *types.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return err
	}
	_, err = w.Client.PutLogEvents(ctx, in)
	return err
}
