// Package codebuild is the AWS CodeBuild adapter: Builder builds container
// images from GitHub commits (pipeline.Builder) with one CodeBuild project
// whose buildspec is infra/buildspec.yml.
//
// A build gets the application's repository and commit as a source
// override and four environment variables (SLIPWAY_IMAGE_TAG,
// SLIPWAY_SUBDIRECTORY, SLIPWAY_APPLICATION_ID, SLIPWAY_IMAGE_ID). The
// buildspec exports three back, which BuildStatus reads from
// BatchGetBuilds once the build succeeded:
//
//	SLIPWAY_IMAGE_URI   the pushed image by digest, "<repository>@sha256:<64 hex>"
//	SLIPWAY_COMMIT_SHA  the commit built (resolvedSourceVersion when absent)
//	SLIPWAY_PROCESSES   base64 (standard, padded) of the Procfile as a JSON
//	                    object of process name to command (procfile.DecodeExported)
//
// Throttling, service faults and network failures are wrapped in a
// platform "unavailable" error, which the pipeline retries.
//
// Private repositories are read with the GitHub credentials CodeBuild has
// for the account or project (source credentials or a connection); the
// request's GitHub App installation is not used.
package codebuild
