// Package awsconf builds the aws.Config every AWS adapter shares, from the
// environment the Lambda runtime sets, without the SDK's config loader (which
// would link SSO, STS and shared-file parsing into every function and read
// files at cold start).
package awsconf

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FromEnv returns a config for the region in AWS_REGION (or
// AWS_DEFAULT_REGION, else us-east-1) and the credentials in
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which the
// Lambda runtime sets for the function's role. Without credentials in the
// environment (a local endpoint) it uses placeholder ones: local emulators
// accept any signature. Its HTTP client is HTTPClient's.
func FromEnv() aws.Config {
	region := firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1")
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		id, secret = "local", "local"
	}
	return aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))),
		HTTPClient:  HTTPClient(nil),
	}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
