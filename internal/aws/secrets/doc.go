// Package secrets is the AWS Secrets Manager adapter: a Cache that reads
// secret values (the GitHub webhook secret, the GitHub App's private key)
// once per ARN and keeps them for the life of the Lambda container, or for
// a TTL.
//
// Values never appear in errors or logs: the package logs nothing, and its
// errors name the secret's ARN only. An empty value is an error (ErrEmpty),
// so a caller that verifies signatures with it fails closed.
package secrets
