package devstack

import "time"

// TokenCacheTTL is how long the local system keeps a token it looked up
// (store.WithTokenCache): one process serves every route here, so a
// revocation through the API takes effect at once; a token deleted in the
// table by another process keeps authenticating for at most this long.
// It saves Get Application one of its two DynamoDB requests (see
// docs/performance.md); the Lambdas do not cache.
const TokenCacheTTL = 2 * time.Second
