package codebuild

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// EnvBuildConfig is the build-scope config, by reference (SECRETS_MANAGER):
// the base64 of a gzip'd JSON document {"args": {NAME: value}, "secrets":
// {NAME: value}} that the buildspec turns into --build-arg flags and
// BuildKit --secret files on a tmpfs. The build definition and console
// show the secret's name, never a value.
const EnvBuildConfig = "SLIPWAY_BUILD_CONFIG"

// The JSON keys of the per-build secret (CodeBuild resolves a
// SECRETS_MANAGER variable "<name>:<json key>" to that key's value).
const (
	secretKeyToken  = "token"
	secretKeyConfig = "build_config"
)

// MaxBuildSecretBytes is the largest value Secrets Manager stores (64 KiB):
// the source token and the compressed build config must fit in it.
const MaxBuildSecretBytes = 64 << 10

// buildSecret is the per-build secret's document.
type buildSecret struct {
	Token  string `json:"token,omitempty"`
	Config string `json:"build_config,omitempty"`
}

type buildConfigDoc struct {
	Args    map[string]string `json:"args"`
	Secrets map[string]string `json:"secrets"`
}

// buildSecretOf is the per-build secret of the request: its source token
// and its build config ("" when the build needs neither).
func buildSecretOf(req pipeline.BuildRequest) (string, error) {
	var doc buildSecret
	if c := req.Credential; c != nil {
		doc.Token = c.Token
	}
	if !req.Config.Empty() {
		raw, err := json.Marshal(buildConfigDoc{Args: req.Config.Args.Values(), Secrets: req.Config.Secrets.Values()})
		if err != nil {
			return "", err
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(raw)
		if err := zw.Close(); err != nil {
			return "", err
		}
		doc.Config = base64.StdEncoding.EncodeToString(z.Bytes())
	}
	if doc == (buildSecret{}) {
		return "", nil
	}
	value, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	if len(value) > MaxBuildSecretBytes {
		return "", &pipeline.BuildError{Reason: fmt.Sprintf("the build-scope config vars of config v%d take %d bytes once compressed; a build carries at most %d (%d build arguments, %d build secrets)",
			req.Config.ConfigVersion, len(value), MaxBuildSecretBytes, req.Config.Args.Len(), req.Config.Secrets.Len())}
	}
	return string(value), nil
}

// buildSecretEnv are the variables that reference the per-build secret
// name: one per JSON key the request fills.
func buildSecretEnv(req pipeline.BuildRequest, name string) []types.EnvironmentVariable {
	ref := func(env, key string) types.EnvironmentVariable {
		return types.EnvironmentVariable{Name: aws.String(env), Value: aws.String(name + ":" + key), Type: types.EnvironmentVariableTypeSecretsManager}
	}
	var env []types.EnvironmentVariable
	if req.Credential != nil {
		env = append(env, ref(EnvSourceToken, secretKeyToken))
	}
	if !req.Config.Empty() {
		env = append(env, ref(EnvBuildConfig, secretKeyConfig))
	}
	return env
}

// buildSecretName is the secret a build's variable references ("" for
// other variables): the reference without its JSON key.
func buildSecretName(v types.EnvironmentVariable) string {
	if n := aws.ToString(v.Name); (n != EnvSourceToken && n != EnvBuildConfig) || v.Type != types.EnvironmentVariableTypeSecretsManager {
		return ""
	}
	name, _, _ := strings.Cut(aws.ToString(v.Value), ":") // a secret's name holds no ':'
	return name
}
