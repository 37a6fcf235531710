package sim

import "time"

// LogSink receives the lines the simulators write: what CodeBuild, a
// release-command Job, the cluster's events and the running containers
// would write to CloudWatch Logs in AWS. The local system's log store
// implements it; the simulators never read it back.
type LogSink interface {
	// Pipeline appends a line to one stage ("build", "release" or
	// "deploy") of a pipeline's log.
	Pipeline(applicationID, pipelineID, stage string, at time.Time, message string)
	// Runtime appends a line that one instance of a process of a release
	// wrote.
	Runtime(applicationID, process, instance string, releaseVersion int64, at time.Time, message string)
}

// discardLogs is the sink of simulators configured without one.
type discardLogs struct{}

func (discardLogs) Pipeline(string, string, string, time.Time, string)       {}
func (discardLogs) Runtime(string, string, string, int64, time.Time, string) {}

// logsOf is the sink of cfg, or one that discards when there is none.
func logsOf(cfg Config) LogSink {
	if cfg.Logs == nil {
		return discardLogs{}
	}
	return cfg.Logs
}

// TeeLogs is a sink that writes every line to each of sinks, in order.
func TeeLogs(sinks ...LogSink) LogSink { return teeLogs(sinks) }

type teeLogs []LogSink

func (t teeLogs) Pipeline(applicationID, pipelineID, stage string, at time.Time, message string) {
	for _, s := range t {
		s.Pipeline(applicationID, pipelineID, stage, at, message)
	}
}

func (t teeLogs) Runtime(applicationID, process, instance string, releaseVersion int64, at time.Time, message string) {
	for _, s := range t {
		s.Runtime(applicationID, process, instance, releaseVersion, at, message)
	}
}
