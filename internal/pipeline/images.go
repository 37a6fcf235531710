package pipeline

import (
	"context"
	"fmt"

	"github.com/slipway-paas/slipway/internal/platform"
)

// ImageTags adds and removes tags of the images builds push (ECR in AWS, a
// simulator locally). Releases tag their image with
// platform.ReleaseImageTag so that the repository's lifecycle policy, which
// expires build images beyond a count, never expires the image of a live
// or earlier release (a rollback target); the application's teardown
// removes those tags.
type ImageTags interface {
	// Tag gives the image imageURI ("<repository>@sha256:<digest>") the
	// tag. Tagging an image with a tag it already has is success (a retried
	// step); a tag held by another image, or an image that is not in the
	// repository, is a platform invalid error; a platform unavailable
	// error is worth a retry.
	Tag(ctx context.Context, imageURI, tag string) error
	// Untag removes the tags from whatever images hold them; tags no image
	// holds are skipped. An image left without tags is deleted.
	Untag(ctx context.Context, tags []string) error
}

// retainReleaseImage tags the image of the application's release that a
// deploy step is about to apply (nil Images: not tagged, for tests that use
// no registry). A registry outage is retried; an image the registry no
// longer has fails the pipeline with the reason.
func (s *Steps) retainReleaseImage(ctx context.Context, appID string, rel platform.Release) error {
	if s.Images == nil {
		return nil
	}
	if err := s.Images.Tag(ctx, rel.ImageURI, platform.ReleaseImageTag(appID, rel.Version)); err != nil {
		return fmt.Errorf("keeping the image of release v%d in the repository: %w", rel.Version, err)
	}
	return nil
}

// ReleaseImageTags lists the tags of every release an application can
// have made (versions 1 to releaseSeq): what its teardown removes.
func ReleaseImageTags(appID string, releaseSeq int64) []string {
	tags := make([]string, 0, releaseSeq)
	for v := int64(1); v <= releaseSeq; v++ {
		tags = append(tags, platform.ReleaseImageTag(appID, v))
	}
	return tags
}
