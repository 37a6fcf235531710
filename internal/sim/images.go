package sim

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// Images simulates the image repository's tags (pipeline.ImageTags): it
// records which image (digest URI) each tag names, with ECR's rules for an
// immutable-tag repository — an image referenced by digest only, a tag
// names one image for good (tagging again with the same image is success),
// removing a tag nobody holds is skipped. It stores no image and expires
// nothing, so every image the simulated builder reports can be tagged.
type Images struct {
	mu   sync.Mutex
	tags map[string]string // tag → image URI
}

var _ pipeline.ImageTags = (*Images)(nil)

var digestURIRe = regexp.MustCompile(`^[^\s@]+@sha256:[0-9a-f]{64}$`)

// NewImages returns a repository simulator without tags.
func NewImages() *Images { return &Images{tags: map[string]string{}} }

// Tag records tag on the image.
func (s *Images) Tag(_ context.Context, imageURI, tag string) error {
	if !digestURIRe.MatchString(imageURI) {
		return platform.Errorf(platform.CodeInvalid, "image %q is not referenced by digest (<repository>@sha256:<hex>)", imageURI)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.tags[tag]; ok && held != imageURI {
		return platform.Errorf(platform.CodeInvalid, "tag %s is held by another image (%s)", tag, held)
	}
	s.tags[tag] = imageURI
	return nil
}

// Untag removes the tags.
func (s *Images) Untag(_ context.Context, tags []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tag := range tags {
		delete(s.tags, tag)
	}
	return nil
}

// Tagged returns the tags that begin with prefix, each with the image it
// names.
func (s *Images) Tagged(prefix string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for tag, image := range s.tags {
		if strings.HasPrefix(tag, prefix) {
			out[tag] = image
		}
	}
	return out
}
