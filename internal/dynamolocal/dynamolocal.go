// Package dynamolocal runs the embedded DynamoDB-compatible server
// (github.com/truora/minidyn/server) on a loopback port, so the real
// aws-sdk-go-v2 client can talk to it with no AWS account and no Docker.
//
// Start keeps the data in memory only. Open keeps it in a directory too:
// every write request the server acknowledges is first appended to a
// journal and fsync'd, and the journal is replayed into a fresh emulator
// at the next Open, so a killed process loses nothing it acknowledged
// (docs/local-persistence.md says why this design). The journal works at
// the DynamoDB wire level, the same for every item kind and every write
// operation.
package dynamolocal

import (
	"errors"
	"net"
	"net/http"
	"time"

	miniserver "github.com/truora/minidyn/server"
)

// Server is a running embedded DynamoDB endpoint.
type Server struct {
	// Endpoint is the base URL to give the DynamoDB client.
	Endpoint string
	// Emulator exposes minidyn's failure emulation to tests.
	Emulator *miniserver.Server
	// Restored says what Open read back from the directory (zero for
	// Start).
	Restored Restored

	srv     *http.Server
	ln      net.Listener
	journal *journaled // nil in memory
}

// Restored describes what Open replayed from the journal.
type Restored struct {
	// Records is the number of journal records replayed.
	Records int
	// Bytes is the journal's size after the replay (and compaction).
	Bytes int64
	// Discarded is the number of bytes of a torn last record that was
	// dropped: a write that was never acknowledged.
	Discarded int64
	// Took is how long the replay and any compaction took.
	Took time.Duration
}

// Start serves a fresh, empty emulator on a free port of 127.0.0.1; its
// data lives in memory only.
func Start() (*Server, error) {
	emu := miniserver.NewServer()
	return serve(emu, emu, nil)
}

// Open serves an emulator holding the data kept in dir (created if
// needed), on a free port of 127.0.0.1, and keeps every acknowledged write
// there. Only one process may hold dir open at a time.
func Open(dir string) (*Server, error) {
	emu := miniserver.NewServer()
	j, restored, err := openJournal(dir, emu)
	if err != nil {
		return nil, err
	}
	s, err := serve(j, emu, j)
	if err != nil {
		_ = j.close()
		return nil, err
	}
	s.Restored = restored
	return s, nil
}

func serve(h http.Handler, emu *miniserver.Server, j *journaled) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		Emulator: emu,
		srv:      &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		ln:       ln,
		journal:  j,
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic("dynamolocal: " + err.Error())
		}
	}()
	return s, nil
}

// Close stops the server. In memory its data is gone; with a directory
// the journal is compacted when that pays and closed.
func (s *Server) Close() error {
	err := s.srv.Close()
	if s.journal != nil {
		err = errors.Join(err, s.journal.close())
	}
	return err
}
