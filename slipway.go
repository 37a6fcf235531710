// Package slipway holds the repository-level documents the binaries use,
// embedded so every build carries the ones in the tree: the OpenAPI
// contract and the deploy state machine definition.
package slipway

import _ "embed"

// OpenAPI is openapi.yaml, the machine-readable API contract.
//
//go:embed openapi.yaml
var OpenAPI []byte

// DeployStateMachine is infra/statemachine/deploy.asl.json, the Full Deploy
// workflow, with its ${PipelineFunctionArn} placeholder.
//
//go:embed infra/statemachine/deploy.asl.json
var DeployStateMachine []byte
