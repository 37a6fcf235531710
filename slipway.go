// Package slipway holds the repository-level documents the binaries use,
// embedded so every build carries the ones in the tree: the OpenAPI
// contract, the deploy state machine definition and the buildspec.
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

// Buildspec is infra/buildspec.yml, which every CodeBuild build runs (sent
// as the build's buildspec override).
//
//go:embed infra/buildspec.yml
var Buildspec []byte

// TeardownStateMachine is infra/statemachine/teardown.asl.json, the
// background teardown of a deleted application, with its
// ${PipelineFunctionArn} placeholder.
//
//go:embed infra/statemachine/teardown.asl.json
var TeardownStateMachine []byte
