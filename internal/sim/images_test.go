package sim

import (
	"context"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

func TestImagesTags(t *testing.T) {
	ctx := context.Background()
	img := func(c string) string { return ImageRegistry + "/app@sha256:" + strings.Repeat(c, 64) }
	s := NewImages()
	for _, tc := range []struct {
		name, image, tag string
		want             platform.ErrorCode // "" = success
	}{
		{"a new tag", img("a"), "release-app-v1", ""},
		{"again: a retried step", img("a"), "release-app-v1", ""},
		{"a second tag on the image", img("a"), "release-app-v3", ""},
		{"the tag of another image", img("b"), "release-app-v1", platform.CodeInvalid},
		{"by tag, not digest", ImageRegistry + "/app:app-v1", "release-app-v2", platform.CodeInvalid},
	} {
		err := s.Tag(ctx, tc.image, tc.tag)
		if platform.CodeOf(err) != tc.want && !(tc.want == "" && err == nil) {
			t.Errorf("%s: Tag = %v, want %q", tc.name, err, tc.want)
		}
	}
	if got := s.Tagged("release-app-"); len(got) != 2 || got["release-app-v1"] != img("a") || got["release-app-v3"] != img("a") {
		t.Fatalf("Tagged = %v", got)
	}
	if err := s.Untag(ctx, []string{"release-app-v1", "release-app-v9"}); err != nil {
		t.Fatal(err)
	}
	if got := s.Tagged("release-"); len(got) != 1 || got["release-app-v3"] == "" {
		t.Fatalf("after Untag: %v", got)
	}
}
