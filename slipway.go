// Package slipway holds the repository-level documents the binaries use,
// embedded so every build carries the ones in the tree: the OpenAPI
// contract, the deploy state machine definition and the buildspec.
package slipway

import (
	_ "embed"
	"strings"
)

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

// BuildspecBlock returns the lines of the buildspec between the comments
// "# BEGIN <name>" and "# END <name>" (both included), less the YAML
// indentation of the BEGIN line: a script embedded in the buildspec, which
// tests run beside its Go twin. ok is false without both markers in order.
func BuildspecBlock(name string) (block string, ok bool) {
	lines := strings.Split(string(Buildspec), "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "# BEGIN " + name:
			begin = i
		case "# END " + name:
			end = i
		}
	}
	if begin < 0 || end < begin {
		return "", false
	}
	indent := lines[begin][:len(lines[begin])-len(strings.TrimLeft(lines[begin], " "))]
	var b strings.Builder
	for _, l := range lines[begin : end+1] {
		b.WriteString(strings.TrimPrefix(l, indent) + "\n")
	}
	return b.String(), true
}
