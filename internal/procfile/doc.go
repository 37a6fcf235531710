// Package procfile holds Slipway's Procfile rules: how a Procfile's text
// becomes processes (Parse), which process maps are valid (Validate), and
// which kind of workload a process name asks for (KindOf).
//
// A Procfile is UTF-8 text of at most MaxSize bytes. Each line is trimmed of
// spaces, tabs and carriage returns; blank lines and lines starting with '#'
// are skipped; every other line is "name: command", split at its first
// colon, both sides trimmed of spaces and tabs. Names are DNS labels
// (^[a-z0-9]([-a-z0-9]*[a-z0-9])?$, at most 63 characters) and unique;
// commands are non-empty and hold no control characters other than tab;
// a Procfile declares 1 to MaxProcesses processes.
//
// The image build (infra/buildspec.yml) parses Procfiles with a Python twin
// of Parse; a test runs both over the same cases and requires the same
// processes and the same error messages. Change both or neither.
package procfile
