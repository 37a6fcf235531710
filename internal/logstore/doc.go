// Package logstore is the local system's log service: an in-memory,
// bounded store of pipeline and runtime log lines that the simulators
// write (it is their sim.LogSink) and the log routes read (it is a
// platform.LogSource), in the role CloudWatch Logs plays in AWS.
//
// Bounds: each log keeps its newest MaxLinesPerLog lines, and all logs
// together at most MaxBytes of messages (plus a fixed overhead a line,
// lineOverhead); past either bound the oldest lines go first. The store
// lives in memory only: a restart of the local system starts with empty
// logs (the records of the pipelines survive in the local data, their
// logs do not).
//
// Runtime lines come from two places: lines written through Runtime, and
// the trickle of application lines the simulated cluster's instances
// "write", which a Generator produces lazily for the window a read asks
// about — no goroutine runs per instance.
//
// A read with Wait blocks on the log's change channel (closed by every
// append) and, for runtime logs, a timer to the generator's next line:
// waiters wake when a line arrives, never by polling.
package logstore
