package procfile

import "strings"

// Kind is what a process runs as in the cluster.
type Kind string

// The process kinds, chosen by name prefix.
const (
	// KindWeb: an HTTP server on $PORT (8000) behind a Service on port 80,
	// health-checked over HTTP.
	KindWeb Kind = "web"
	// KindWorker: a long-running process with no port and no probes.
	KindWorker Kind = "worker"
	// KindTCP: a TCP server on $PORT (8000) behind a Service on port 8000,
	// health-checked by opening a connection.
	KindTCP Kind = "tcp"
	// KindOneOff: anything else (release, migrate, console, ...). It is not
	// run as a long-running workload.
	KindOneOff Kind = ""
)

// KindOf returns the kind of a process: names starting with "web" are web
// processes (so "webhooks" is one too), "worker" workers, "tcp" TCP
// servers; every other process is a one-off.
func KindOf(name string) Kind {
	switch {
	case strings.HasPrefix(name, "web"):
		return KindWeb
	case strings.HasPrefix(name, "worker"):
		return KindWorker
	case strings.HasPrefix(name, "tcp"):
		return KindTCP
	}
	return KindOneOff
}

// LongRunning reports whether processes of the kind run as Deployments.
func (k Kind) LongRunning() bool { return k != KindOneOff }

// Serves reports whether processes of the kind listen on $PORT and get a
// Service.
func (k Kind) Serves() bool { return k == KindWeb || k == KindTCP }
