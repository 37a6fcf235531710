// Package config reads the environment every function shares (the
// variables template.yaml declares in Globals) and builds what it names.
package config

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
)

// The environment variables the functions read; template.yaml declares
// every one in Globals (a test keeps the two in step).
const (
	EnvTableName        = "TABLE_NAME"
	EnvDynamoDBEndpoint = "DYNAMODB_ENDPOINT"
	EnvCursorSigningKey = "CURSOR_SIGNING_KEY"
	EnvLogLevel         = "LOG_LEVEL"

	EnvStateMachineARN = "STATE_MACHINE_ARN"
	// EnvTeardownStateMachineARN is the teardown state machine, which
	// DELETE /applications/{application_id} starts.
	EnvTeardownStateMachineARN = "TEARDOWN_STATE_MACHINE_ARN"
	EnvStepFunctionsEndpoint   = "STEPFUNCTIONS_ENDPOINT"
	EnvPollSeconds             = "PIPELINE_POLL_SECONDS"
	EnvCodeBuildProject        = "CODEBUILD_PROJECT"
	EnvCodeBuildEndpoint       = "CODEBUILD_ENDPOINT"
	EnvEKSClusterName          = "EKS_CLUSTER_NAME"
	EnvEKSEndpoint             = "EKS_ENDPOINT"
	EnvEKSCAData               = "EKS_CA_DATA"

	EnvGitHubAppID            = "GITHUB_APP_ID"
	EnvGitHubAppPrivateKeyARN = "GITHUB_APP_PRIVATE_KEY_ARN"
	EnvGitHubAPIURL           = "GITHUB_API_URL"
	EnvGitHubWebhookSecretARN = "GITHUB_WEBHOOK_SECRET_ARN"
	EnvSecretsManagerEndpoint = "SECRETSMANAGER_ENDPOINT"
	// EnvLocalWebhookSecret holds the webhook secret itself: for sam local
	// and the local system only; in AWS it comes from Secrets Manager.
	EnvLocalWebhookSecret = "SLIPWAY_GITHUB_WEBHOOK_SECRET"
	// EnvBuildSecretPrefix names the per-build source token secrets
	// ("<stack>/build/"): the pipeline writes and deletes only those, the
	// build role reads only those.
	EnvBuildSecretPrefix = "BUILD_SECRET_PREFIX"

	// EnvConfigKeyID is the KMS key that wraps the data keys of secret
	// config values; EnvKMSEndpoint points the client at an emulator.
	EnvConfigKeyID = "CONFIG_KEY_ID"
	EnvKMSEndpoint = "KMS_ENDPOINT"
	// EnvConfigFingerprintKey is the HMAC key of config fingerprints.
	EnvConfigFingerprintKey = "CONFIG_FINGERPRINT_KEY"

	// EnvImageRepository is the name of the ECR repository builds push to,
	// whose release tags the pipeline adds and the teardown removes;
	// EnvECREndpoint points the client at an emulator.
	EnvImageRepository = "IMAGE_REPOSITORY"
	EnvECREndpoint     = "ECR_ENDPOINT"
	// Routing of web processes (kube.Routing): the apps domain of the
	// default hosts, the ingress class, the TLS mechanism (cert-manager,
	// acm, none) and cert-manager's ClusterIssuer.
	EnvAppsDomain               = "APPS_DOMAIN"
	EnvIngressClass             = "INGRESS_CLASS"
	EnvIngressTLS               = "INGRESS_TLS"
	EnvCertManagerClusterIssuer = "CERT_MANAGER_CLUSTER_ISSUER"
	// EnvRouteCheckFunction is the function ApplicationsFunction invokes
	// (asynchronously) to get a domain change to the cluster at once;
	// EnvLambdaEndpoint points the client at an emulator.
	EnvRouteCheckFunction = "ROUTE_CHECK_FUNCTION"
	EnvLambdaEndpoint     = "LAMBDA_ENDPOINT"
)

// Config is the shared configuration of a function.
type Config struct {
	TableName        string
	DynamoDBEndpoint string
	CursorSigningKey []byte
	LogLevel         slog.Level
}

// FromEnv reads the configuration; a missing required variable is an error.
func FromEnv() (Config, error) {
	c := Config{
		TableName:        os.Getenv(EnvTableName),
		DynamoDBEndpoint: os.Getenv(EnvDynamoDBEndpoint),
		CursorSigningKey: []byte(os.Getenv(EnvCursorSigningKey)),
	}
	var missing []string
	if c.TableName == "" {
		missing = append(missing, EnvTableName)
	}
	if len(c.CursorSigningKey) == 0 {
		missing = append(missing, EnvCursorSigningKey)
	}
	if len(missing) > 0 {
		return c, errors.New("config: missing environment variables: " + strings.Join(missing, ", "))
	}
	_ = c.LogLevel.UnmarshalText([]byte(os.Getenv(EnvLogLevel))) // unset or unknown: info
	return c, nil
}

// Store returns the table's store.
func (c Config) Store() *store.Store {
	client := store.NewClient(awsconf.FromEnv(), c.DynamoDBEndpoint)
	return store.New(client, c.TableName, c.CursorSigningKey)
}

// Logger installs a JSON logger at the configured level as slog's default.
func (c Config) Logger() *slog.Logger {
	l := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: c.LogLevel}))
	slog.SetDefault(l)
	return l
}

// Int reads an integer variable; unset is def, anything else that is not a
// positive integer is an error naming the variable.
func Int(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("config: %s=%q: want a positive integer", name, v)
	}
	return n, nil
}

// MustLoad is every function's start: it reads the configuration (exiting
// with the error when it is incomplete), installs the logger and returns
// the table's store.
func MustLoad() *store.Store {
	c, err := FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	c.Logger()
	return c.Store()
}

// ConfigKeys reads what ApplicationsFunction seals and fingerprints
// config values with: the KMS key CONFIG_KEY_ID (for kms.NewEnvelope) and
// the fingerprinter keyed by CONFIG_FINGERPRINT_KEY; a missing or short
// variable is an error.
func ConfigKeys() (keyID string, fingerprints platform.Fingerprinter, err error) {
	keyID, fpKey := os.Getenv(EnvConfigKeyID), os.Getenv(EnvConfigFingerprintKey)
	var missing []string
	if keyID == "" {
		missing = append(missing, EnvConfigKeyID)
	}
	if len(fpKey) < platform.MinFingerprintKey {
		missing = append(missing, fmt.Sprintf("%s (at least %d bytes)", EnvConfigFingerprintKey, platform.MinFingerprintKey))
	}
	if len(missing) > 0 {
		return "", platform.Fingerprinter{}, errors.New("config: missing environment variables: " + strings.Join(missing, ", "))
	}
	return keyID, platform.Fingerprinter{Key: []byte(fpKey)}, nil
}
