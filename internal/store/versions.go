package store

import (
	"context"

	"github.com/slipway-paas/slipway/internal/platform"
)

// GetImage returns an application's image by version (one consistent
// GetItem); not_found when there is none.
func (s *Store) GetImage(ctx context.Context, appID string, version int64) (platform.Image, error) {
	return getRecord[platform.Image](ctx, s, appID, versionSK(imagePrefix, version), "image")
}

// GetRelease returns an application's release by version (one consistent
// GetItem); not_found when there is none.
func (s *Store) GetRelease(ctx context.Context, appID string, version int64) (platform.Release, error) {
	return getRecord[platform.Release](ctx, s, appID, versionSK(releasePrefix, version), "release")
}

func getRecord[T any](ctx context.Context, s *Store, appID, sk, what string) (T, error) {
	var zero T
	it, err := s.getItem(ctx, key(getS(appKey(appID), attrPK), sk))
	if err != nil {
		return zero, err
	}
	if it == nil {
		return zero, platform.NotFound(what)
	}
	return decodeDoc[T](it)
}
