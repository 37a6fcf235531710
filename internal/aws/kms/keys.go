package kms

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// API is the part of the KMS client the adapter uses.
type API interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ API = (*kms.Client)(nil)

// ContextKey is the encryption-context key that binds a data key to its
// application; the IAM conditions of template.yaml name it.
const ContextKey = "slipway:application"

// NewClient returns a KMS client for cfg (awsconf.FromEnv in the
// functions); a non-empty endpoint points it at a local emulator.
func NewClient(cfg aws.Config, endpoint string, opts ...func(*kms.Options)) *kms.Client {
	if endpoint != "" {
		opts = append([]func(*kms.Options){func(o *kms.Options) { o.BaseEndpoint = aws.String(endpoint) }}, opts...)
	}
	return kms.NewFromConfig(cfg, opts...)
}

// NewEnvelope returns the envelope encryption of config values on the KMS
// key keyID (id, ARN or alias); a non-empty endpoint points the client at
// an emulator.
func NewEnvelope(cfg aws.Config, endpoint, keyID string) platform.Envelope {
	return platform.Envelope{Keys: Keys{API: NewClient(cfg, endpoint), KeyID: keyID}}
}

// Keys implements platform.DataKeys on one KMS key.
type Keys struct {
	API API
	// KeyID is the key's id, ARN or alias.
	KeyID string
}

var _ platform.DataKeys = Keys{}

func encryptionContext(appID string) map[string]string { return map[string]string{ContextKey: appID} }

// NewDataKey implements platform.DataKeys: one GenerateDataKey call.
func (k Keys) NewDataKey(ctx context.Context, appID string) ([]byte, []byte, error) {
	out, err := k.API.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(k.KeyID), KeySpec: types.DataKeySpecAes256, EncryptionContext: encryptionContext(appID),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("kms: GenerateDataKey with %s: %w", k.KeyID, err)
	}
	if len(out.Plaintext) != 32 || len(out.CiphertextBlob) == 0 {
		return nil, nil, fmt.Errorf("kms: GenerateDataKey with %s: a %d-byte key, want 32", k.KeyID, len(out.Plaintext))
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

// OpenDataKey implements platform.DataKeys: one Decrypt call, held to the
// key the adapter was made for.
func (k Keys) OpenDataKey(ctx context.Context, appID string, wrapped []byte) ([]byte, error) {
	out, err := k.API.Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(k.KeyID), CiphertextBlob: wrapped, EncryptionContext: encryptionContext(appID),
	})
	if err != nil {
		return nil, fmt.Errorf("kms: Decrypt with %s: %w", k.KeyID, err)
	}
	return out.Plaintext, nil
}
