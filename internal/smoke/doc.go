// Package smoke runs the built Lambda bootstraps the way `sam local invoke`
// does and checks every invocation fixture of events/ against them.
//
// Its test, TestSmoke, starts each function's bootstrap under the AWS
// Lambda Runtime Interface Emulator (aws-lambda-rie) on 127.0.0.1, with the
// environment SAM would give it (template.yaml's Globals and the function's
// own Environment, overridden by env.json's Parameters and the function's
// section; undeclared keys dropped) and the endpoints pointed at local
// servers: the embedded DynamoDB (seeded with devstack.SeedFixtures),
// moto_server for Step Functions, Secrets Manager and CloudWatch, and an
// in-process AWS JSON 1.1 CodeBuild fake (moto's CodeBuild answers
// timestamps as strings, which the Go SDK rejects). It invokes every
// fixture, one at a time and in the order the expectations list them, and
// checks the status and the key fields of each answer. A fixture without
// an expectation, or an expectation without a fixture, fails the test.
//
// `make smoke` (scripts/smoke.sh) builds the bootstraps, installs the
// emulator and runs the test; it skips unless SLIPWAY_SMOKE_BOOTSTRAPS (a
// directory of <LogicalId>/bootstrap) and SLIPWAY_SMOKE_RIE (the emulator's
// path) are set. SLIPWAY_SMOKE_ARM64, a directory of arm64 builds, adds
// their sizes to the report.
package smoke
