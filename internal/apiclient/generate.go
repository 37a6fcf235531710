// Package apiclient is the Go client of Slipway's HTTP API, generated from
// openapi.yaml by oapi-codegen (pinned below): the request and response
// types and one method per operation. Nothing in it is written by hand
// except this file and its test; `make generate` (go generate) rewrites
// client.gen.go, and TestClientIsFresh fails when it is stale.
//
// Only clients link this package (the CLI); no Lambda function does.
package apiclient

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../../openapi.yaml
