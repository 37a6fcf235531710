// Package mototest points the AWS adapters' tests at moto_server (an AWS
// API emulator): `make check` starts one and sets SLIPWAY_TEST_MOTO_ENDPOINT
// (scripts/with-moto.sh); without it the tests are skipped.
package mototest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"
)

// EndpointEnv names the variable holding the emulator's URL.
const EndpointEnv = "SLIPWAY_TEST_MOTO_ENDPOINT"

// Endpoint returns the emulator's URL and a context that bounds the test's
// calls to it (30 s); it skips the test when no emulator is configured.
func Endpoint(t testing.TB) (string, context.Context) {
	t.Helper()
	endpoint := os.Getenv(EndpointEnv)
	if endpoint == "" {
		t.Skip(EndpointEnv + " is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return endpoint, ctx
}

// Name returns prefix followed by random hex: a resource of the test's own
// on a shared emulator.
func Name(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
