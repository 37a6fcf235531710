package platform

import "context"

// RecordPages pages through an application's images and releases, newest
// first, with cursors bound to their list (as ListDeployments does).
type RecordPages interface {
	PageImages(ctx context.Context, appID string, page PageRequest) (Page[Image], error)
	PageReleases(ctx context.Context, appID string, page PageRequest) (Page[Release], error)
}
