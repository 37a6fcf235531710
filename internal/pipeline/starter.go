package pipeline

import "context"

// Starter launches a pipeline execution for run, named after run.ImageID.
// Starting a name that already started is success (Step Functions'
// ExecutionAlreadyExists for the same input), so a retried start is safe.
type Starter interface {
	Start(ctx context.Context, run Run) error
}
