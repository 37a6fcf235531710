// Package dynamolocal runs the embedded DynamoDB-compatible server
// (github.com/truora/minidyn/server) on a loopback port, so the real
// aws-sdk-go-v2 client can talk to it with no AWS account and no Docker.
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

	srv *http.Server
	ln  net.Listener
}

// Start serves a fresh, empty emulator on a free port of 127.0.0.1.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	emu := miniserver.NewServer()
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		Emulator: emu,
		srv:      &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second},
		ln:       ln,
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic("dynamolocal: " + err.Error())
		}
	}()
	return s, nil
}

// Close stops the server; its data is gone.
func (s *Server) Close() error { return s.srv.Close() }
