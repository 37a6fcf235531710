// Package slipway holds the repository-level documents the binaries serve:
// the OpenAPI contract, embedded so every build serves the one in the tree.
package slipway

import _ "embed"

// OpenAPI is openapi.yaml, the machine-readable API contract.
//
//go:embed openapi.yaml
var OpenAPI []byte
