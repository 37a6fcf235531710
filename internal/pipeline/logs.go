package pipeline

import (
	"fmt"
	"time"
)

// LogWriter receives the pipeline's own log lines: what the release and
// deploy stages do, as the pipeline sees it (the builder writes the build
// stage's lines itself). In AWS the CloudWatch Logs writer puts them into
// the pipeline's stream of the PipelineLogGroup; locally the log store
// keeps them. Writing is best effort: a line that cannot be written never
// fails a pipeline.
type LogWriter interface {
	Pipeline(applicationID, pipelineID, stage string, at time.Time, message string)
}

// log writes a line of the run's pipeline, when the steps have a writer.
func (s *Steps) log(run Run, stage, message string) {
	if s.Logs != nil {
		s.Logs.Pipeline(run.ApplicationID, run.Pipeline(), stage, s.Now().UTC(), message)
	}
}

// rolloutLine is the deploy log's line of a rollout poll.
func rolloutLine(st RolloutStatus) string {
	switch {
	case st.Failed:
		return "Rollout failed: " + st.Reason
	case st.Done:
		return fmt.Sprintf("Rollout complete: %d of %d pods ready", st.Ready, st.Desired)
	}
	return fmt.Sprintf("Rollout: %d of %d pods ready", st.Ready, st.Desired)
}
