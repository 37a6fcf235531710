package kms_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/slipway-paas/slipway/internal/aws/kms"
	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/platform"
)

// fakeKMS wraps data keys like KMS does for this purpose: the wrapped key
// opens only with the same encryption context. It counts calls.
type fakeKMS struct {
	keys              map[string]fakeKey // by wrapped blob
	generate, decrypt int
	fail              error
}

type fakeKey struct {
	plain []byte
	ctx   map[string]string
}

func (f *fakeKMS) GenerateDataKey(_ context.Context, in *awskms.GenerateDataKeyInput, _ ...func(*awskms.Options)) (*awskms.GenerateDataKeyOutput, error) {
	f.generate++
	if f.fail != nil {
		return nil, f.fail
	}
	if in.KeySpec != "AES_256" || aws.ToString(in.KeyId) != "alias/slipway-config" {
		return nil, errors.New("unexpected key spec or key")
	}
	plain, blob := make([]byte, 32), make([]byte, 48)
	_, _ = rand.Read(plain)
	_, _ = rand.Read(blob)
	f.keys[string(blob)] = fakeKey{plain: bytes.Clone(plain), ctx: maps.Clone(in.EncryptionContext)}
	return &awskms.GenerateDataKeyOutput{Plaintext: plain, CiphertextBlob: blob}, nil
}

func (f *fakeKMS) Decrypt(_ context.Context, in *awskms.DecryptInput, _ ...func(*awskms.Options)) (*awskms.DecryptOutput, error) {
	f.decrypt++
	k, ok := f.keys[string(in.CiphertextBlob)]
	if !ok || !maps.Equal(k.ctx, in.EncryptionContext) {
		return nil, errors.New("InvalidCiphertextException")
	}
	return &awskms.DecryptOutput{Plaintext: bytes.Clone(k.plain)}, nil
}

const (
	appA = "0191c0de-0000-7000-8000-00000000000a"
	appB = "0191c0de-0000-7000-8000-00000000000b"
)

func TestEnvelopeOnKMS(t *testing.T) {
	ctx := context.Background()
	api := &fakeKMS{keys: map[string]fakeKey{}}
	env := platform.Envelope{Keys: kms.Keys{API: api, KeyID: "alias/slipway-config"}}
	values := map[string]string{"DATABASE_URL": "postgres://u:p@db/x", "API_KEY": "k-123", "EMPTY": ""}
	sealed, err := env.Seal(ctx, appA, values)
	if err != nil {
		t.Fatal(err)
	}
	if api.generate != 1 {
		t.Errorf("GenerateDataKey calls = %d, want 1 for %d values", api.generate, len(values))
	}
	for name, s := range sealed {
		if bytes.Contains(s.Box, []byte(values[name])) && values[name] != "" {
			t.Errorf("%s: the sealed box holds the value in clear", name)
		}
	}
	got, err := env.Unseal(ctx, appA, sealed)
	if err != nil || !maps.Equal(got, values) {
		t.Fatalf("Unseal = %v, %v; want the values back", got, err)
	}
	if api.decrypt != 1 {
		t.Errorf("Decrypt calls = %d, want 1 (one data key)", api.decrypt)
	}
	cases := []struct {
		name   string
		app    string
		sealed map[string]platform.SealedValue
	}{
		{"other application", appB, sealed},
		{"value moved to another var", appA, map[string]platform.SealedValue{"API_KEY": sealed["DATABASE_URL"]}},
		{"tampered box", appA, map[string]platform.SealedValue{"API_KEY": {Key: sealed["API_KEY"].Key, Box: flip(sealed["API_KEY"].Box)}}},
		{"short box", appA, map[string]platform.SealedValue{"API_KEY": {Key: sealed["API_KEY"].Key, Box: []byte{1, 2}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := env.Unseal(ctx, c.app, c.sealed); err == nil {
				t.Fatal("Unseal succeeded; want an error")
			}
		})
	}
	api.fail = errors.New("AccessDeniedException")
	_, err = env.Seal(ctx, appA, map[string]string{"X": "secret-value-xyz"})
	if err == nil || strings.Contains(err.Error(), "secret-value-xyz") {
		t.Fatalf("Seal error = %v; want an error without the value", err)
	}
}

func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)-1] ^= 1
	return c
}

// TestMoto runs the envelope against moto_server's KMS (make check).
func TestMoto(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := kms.NewClient(awsconf.FromEnv(), endpoint)
	key, err := client.CreateKey(ctx, &awskms.CreateKeyInput{Description: aws.String(mototest.Name("slipway-config-"))})
	if err != nil {
		t.Fatal(err)
	}
	// By alias, as env.json names the key for sam local and the smoke run.
	alias := "alias/" + mototest.Name("slipway-config-")
	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	env := platform.Envelope{Keys: kms.Keys{API: client, KeyID: alias}}
	values := map[string]string{"A": "one", "B": "two"}
	sealed, err := env.Seal(ctx, appA, values)
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.Unseal(ctx, appA, sealed)
	if err != nil || !maps.Equal(got, values) {
		t.Fatalf("Unseal = %v, %v", got, err)
	}
	if _, err := env.Unseal(ctx, appB, sealed); err == nil {
		t.Error("a data key of application A opened for application B")
	}
}
