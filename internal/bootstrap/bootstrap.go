// Package bootstrap creates the first platform token of a table: what
// `slipway bootstrap` does for a deployed stack and what the local system
// does at its first start. A platform token's secret is returned once and
// only its hash is stored.
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// Store is what bootstrapping needs of the table (implemented by
// *store.Store).
type Store interface {
	PlatformTokens(ctx context.Context) ([]platform.Token, error)
	ReplacePlatformTokens(ctx context.Context, fresh platform.Token, old []platform.Token) error
}

// ErrTokenExists is returned when a platform token exists and rotation was
// not asked for.
var ErrTokenExists = errors.New("a platform token exists already")

// Issued is a platform token just written.
type Issued struct {
	// Secret is the token; it is stored only as a hash, so this is the one
	// time it can be shown.
	Secret string
	Token  platform.Token
	// Revoked are the platform tokens a rotation revoked.
	Revoked []platform.Token
}

// PlatformToken writes a new platform token called name. When platform
// tokens exist it refuses with ErrTokenExists, unless rotate is set: then
// the new token replaces them all in one transaction.
func PlatformToken(ctx context.Context, st Store, name string, rotate bool, now time.Time) (Issued, error) {
	existing, err := st.PlatformTokens(ctx)
	if err != nil {
		return Issued{}, err
	}
	if len(existing) > 0 && !rotate {
		return Issued{Revoked: existing}, ErrTokenExists
	}
	secret := httpapi.NewTokenSecret()
	tok := platform.Token{ID: (&platform.IDGenerator{Now: func() time.Time { return now }}).NewID(), Name: name,
		Role: platform.RolePlatform, Hash: httpapi.HashToken(secret), Created: now.UTC()}
	if err := st.ReplacePlatformTokens(ctx, tok, existing); err != nil {
		return Issued{}, err
	}
	return Issued{Secret: secret, Token: tok, Revoked: existing}, nil
}

// TableDescriber is the part of the DynamoDB client CheckTable needs.
type TableDescriber interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// ErrNoTable is returned by CheckTable when the table does not exist.
var ErrNoTable = errors.New("the table does not exist")

// CheckTable makes sure the table exists and is ready, so that a
// bootstrap against the wrong name or region says so instead of failing
// half-way.
func CheckTable(ctx context.Context, db TableDescriber, table string) error {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		return fmt.Errorf("table %q: %w", table, ErrNoTable)
	case err != nil:
		return fmt.Errorf("describing table %q: %w", table, err)
	case out.Table != nil && out.Table.TableStatus != types.TableStatusActive && out.Table.TableStatus != "":
		return fmt.Errorf("table %q is %s, not ACTIVE; try again in a minute", table, out.Table.TableStatus)
	}
	return nil
}
