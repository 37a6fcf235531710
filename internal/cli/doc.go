// Package cli is the client side of the slipway command: one cobra command
// per user action over the generated API client (internal/apiclient),
// profiles (login), output as tables or the API's own JSON (--json), the
// live deploy view, sparklines, and the mapping of every failure to one
// line and a documented exit code (see ExitCode).
//
// cmd/slipway only wires it: the local-system commands (dev, seed, …) are
// passed in as Local commands and run with their own flag parsing.
package cli
