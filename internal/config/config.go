// Package config reads the environment every function shares (the
// variables template.yaml declares in Globals) and builds what it names.
package config

import (
	"errors"
	"log/slog"
	"os"
	"strings"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/store"
)

// The environment variables of every function.
const (
	EnvTableName        = "TABLE_NAME"
	EnvDynamoDBEndpoint = "DYNAMODB_ENDPOINT"
	EnvCursorSigningKey = "CURSOR_SIGNING_KEY"
	EnvLogLevel         = "LOG_LEVEL"
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
