package github

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// LazyReporter is a DeploymentReporter whose GitHub App is built on first
// use: a cold start fetches no private key, and a fetch that failed is
// tried again on the next report.
type LazyReporter struct {
	AppID   int64
	BaseURL string
	// PrivateKey returns the App's PEM private key (from Secrets Manager).
	PrivateKey func(ctx context.Context) ([]byte, error)

	mu       sync.Mutex
	reporter *Reporter
}

var _ DeploymentReporter = (*LazyReporter)(nil)

func (l *LazyReporter) get(ctx context.Context) (*Reporter, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reporter != nil {
		return l.reporter, nil
	}
	if l.AppID <= 0 || l.PrivateKey == nil {
		return nil, errors.New("github: reporting is not configured")
	}
	pem, err := l.PrivateKey(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	l.reporter = &Reporter{App: &App{ID: l.AppID, PrivateKey: key, BaseURL: l.BaseURL, HTTP: &http.Client{Timeout: 30 * time.Second}}}
	return l.reporter, nil
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
func (l *LazyReporter) Finished(ctx context.Context, r Report, id int64, ok bool, reason, environmentURL string) error {
	rep, err := l.get(ctx)
	if err != nil {
		return err
	}
	return rep.Finished(ctx, r, id, ok, reason, environmentURL)
}
