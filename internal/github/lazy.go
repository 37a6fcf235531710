package github

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// LazyApp is a GitHub App built on first use: a cold start fetches no
// private key, and a fetch that failed is tried again on the next call.
// It looks installations up (the applications routes'
// InstallationAccounts) and mints build tokens
// (pipeline.SourceCredentials).
type LazyApp struct {
	AppID   int64
	BaseURL string
	// PrivateKey returns the App's PEM private key (from Secrets Manager).
	PrivateKey func(ctx context.Context) ([]byte, error)

	mu  sync.Mutex
	app *App
}

var _ pipeline.SourceCredentials = (*LazyApp)(nil)

// App returns the App, building it on the first call that succeeds.
func (l *LazyApp) App(ctx context.Context) (*App, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.app != nil {
		return l.app, nil
	}
	if l.AppID <= 0 || l.PrivateKey == nil {
		return nil, errors.New("github: the GitHub App is not configured")
	}
	pem, err := l.PrivateKey(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	l.app = &App{ID: l.AppID, PrivateKey: key, BaseURL: l.BaseURL, HTTP: &http.Client{Timeout: 30 * time.Second}}
	return l.app, nil
}

// InstallationAccount is App.InstallationAccount.
func (l *LazyApp) InstallationAccount(ctx context.Context, installationID int64) (string, error) {
	app, err := l.App(ctx)
	if err != nil {
		return "", err
	}
	return app.InstallationAccount(ctx, installationID)
}

// RepositoryToken is App.RepositoryToken.
func (l *LazyApp) RepositoryToken(ctx context.Context, installationID int64, repository string) (pipeline.SourceCredential, error) {
	app, err := l.App(ctx)
	if err != nil {
		return pipeline.SourceCredential{}, err
	}
	return app.RepositoryToken(ctx, installationID, repository)
}

// LazyReporter is a DeploymentReporter whose GitHub App is built on first
// use (see LazyApp).
type LazyReporter struct {
	AppID   int64
	BaseURL string
	// PrivateKey returns the App's PEM private key (from Secrets Manager).
	PrivateKey func(ctx context.Context) ([]byte, error)
	// App, when set, is the App to report with (shared with other uses);
	// else one is made of the fields above.
	App *LazyApp

	once sync.Once
}

var _ DeploymentReporter = (*LazyReporter)(nil)

func (l *LazyReporter) get(ctx context.Context) (*Reporter, error) {
	l.once.Do(func() {
		if l.App == nil {
			l.App = &LazyApp{AppID: l.AppID, BaseURL: l.BaseURL, PrivateKey: l.PrivateKey}
		}
	})
	app, err := l.App.App(ctx)
	if err != nil {
		return nil, err
	}
	return &Reporter{App: app}, nil
}

// Started reports a started pipeline; see Reporter.Started.
func (l *LazyReporter) Started(ctx context.Context, r Report) (int64, error) {
	rep, err := l.get(ctx)
	if err != nil {
		return 0, err
	}
	return rep.Started(ctx, r)
}

// Finished reports a pipeline's end; see Reporter.Finished.
func (l *LazyReporter) Finished(ctx context.Context, r Report, id int64, ok bool, reason string, environmentURL string) error {
	rep, err := l.get(ctx)
	if err != nil {
		return err
	}
	return rep.Finished(ctx, r, id, ok, reason, environmentURL)
}
