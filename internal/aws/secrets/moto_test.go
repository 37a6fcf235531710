package secrets

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
)

// TestMoto creates a secret through the real SDK client and reads it back
// through the cache; it is skipped unless SLIPWAY_TEST_MOTO_ENDPOINT is set.
func TestMoto(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := NewClient(awsconf.FromEnv(), endpoint, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	name := mototest.Name("slipway-test/")
	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("webhook-secret")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	cache := &Cache{Client: client}
	for _, id := range []string{*created.ARN, *created.ARN, name} {
		got, err := cache.Get(ctx, id)
		if err != nil || string(got) != "webhook-secret" {
			t.Fatalf("Get(%s) = %q, %v", id, got, err)
		}
	}
	if _, err := cache.Get(ctx, *created.ARN+"-missing"); err == nil {
		t.Fatal("a missing secret was read")
	}
}

// TestMotoBuildSecrets: a build secret is created, replaced by a retried
// start, readable, and gone after DeleteBuildSecret (twice is fine).
func TestMotoBuildSecrets(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := NewClient(awsconf.FromEnv(), endpoint, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	b := BuildSecrets{Client: client, Prefix: mototest.Name("slipway-test/") + "/build/"}
	for _, value := range []string{"ghs_first", "ghs_retried"} {
		name, err := b.PutBuildSecret(ctx, "image-1", value)
		if err != nil || name != b.Prefix+"image-1" {
			t.Fatalf("PutBuildSecret = %q, %v", name, err)
		}
		got, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil || aws.ToString(got.SecretString) != value {
			t.Fatalf("read back %v, %v", got, err)
		}
	}
	for range 2 {
		if err := b.DeleteBuildSecret(ctx, b.Prefix+"image-1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(b.Prefix + "image-1")}); err == nil {
		t.Fatal("the deleted build secret is still readable")
	}
}
