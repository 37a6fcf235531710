package main

import (
	"errors"
	"testing"
)

// TestSeedRefusesRemoteEndpoints: seed plants a well-known platform token,
// so it runs only against this machine unless forced — and the refusal
// happens before anything is sent (the remote names below do not exist).
func TestSeedRefusesRemoteEndpoints(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		force    bool
		allowed  bool
	}{
		{"http://127.0.0.1:8000", false, true},
		{"http://127.8.9.10:8000", false, true},
		{"http://localhost:8000", false, true},
		{"http://LOCALHOST.:8000", false, true},
		{"http://dynamo.localhost:8000", false, true},
		{"http://[::1]:8000", false, true},
		{"https://dynamodb.us-east-1.amazonaws.com", false, false},
		{"http://dynamodb-local:8000", false, false},
		{"http://10.0.0.5:8000", false, false},
		{"http://localhost.example.com:8000", false, false},
		{"http://127.0.0.1.nip.io:8000", false, false},
		{"http://dynamodb-local:8000", true, true},
	} {
		err := seedAllowed(tc.endpoint, tc.force)
		if tc.allowed && err != nil || !tc.allowed && !errors.Is(err, errRemoteSeed) {
			t.Errorf("seed %s (force %v): %v, want allowed=%v", tc.endpoint, tc.force, err, tc.allowed)
		}
	}
	// Through the command itself: a refusal, exit status 1, nothing sent.
	if code := exitCode("seed", runSeed([]string{"--dynamodb-endpoint", "https://dynamodb.eu-west-1.amazonaws.com"})); code != 1 {
		t.Fatalf("seed of an AWS endpoint exited %d, want 1", code)
	}
	for _, bad := range []string{"", "dynamodb-local:8000", "ftp://127.0.0.1"} {
		if err := seedAllowed(bad, false); err == nil {
			t.Errorf("seed %q accepted", bad)
		}
	}
}
