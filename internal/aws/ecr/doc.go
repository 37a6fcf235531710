// Package ecr is the Amazon ECR adapter: pipeline.ImageTags on the one
// image repository the builds push to. A release's image gets a tag the
// repository's lifecycle policy spares (platform.ReleaseImageTag) by
// re-putting the image's own manifest under that tag (BatchGetImage +
// PutImage: no layer is copied or pulled), and an application's teardown
// removes those tags (BatchDeleteImage). Those three actions on that
// repository are all the IAM it needs.
package ecr
