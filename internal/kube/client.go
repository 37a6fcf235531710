package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxResponse bounds the body of an API answer.
const maxResponse = 8 << 20

// Content types of the API requests.
const (
	contentTypeApply = "application/apply-patch+yaml"
	contentTypeJSON  = "application/json"
)

// client speaks the Kubernetes REST API.
type client struct {
	server  *url.URL
	cluster string
	token   TokenSource
	http    *http.Client
}

func newClient(cfg Config) (*client, error) {
	server, err := serverURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	if cfg.Token == nil {
		return nil, fmt.Errorf("kube: Config.Token is required (an EKSToken or a StaticToken)")
	}
	hc, err := cfg.httpClient()
	if err != nil {
		return nil, err
	}
	cluster := cfg.ClusterName
	if cluster == "" {
		cluster = server.Host
	}
	return &client{server: server, cluster: cluster, token: cfg.Token, http: hc}, nil
}

// apply server-side-applies obj at path as fieldManager, forcing
// conflicts (Slipway owns what it applies).
func (c *client) apply(ctx context.Context, path, fieldManager string, obj any) error {
	body, err := json.Marshal(obj) // JSON is YAML
	if err != nil {
		return err
	}
	q := url.Values{"fieldManager": {fieldManager}, "force": {"true"}}
	return c.do(ctx, http.MethodPatch, path, q, contentTypeApply, body, nil)
}

func (c *client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, q, "", nil, out)
}

// delete deletes the object at path and its dependents (in the
// background); an object already gone is not an error.
func (c *client) delete(ctx context.Context, path string) error {
	err := c.do(ctx, http.MethodDelete, path, url.Values{"propagationPolicy": {"Background"}}, "", nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// do sends the request and decodes a success answer into out (when not
// nil). A 401 drops the token source's cached token and is retried once
// with a new token.
func (c *client) do(ctx context.Context, method, path string, q url.Values, contentType string, body []byte, out any) error {
	u := *c.server
	u.Path += path
	u.RawQuery = q.Encode()
	inv, canRefresh := c.token.(invalidator)
	for attempt := 0; ; attempt++ {
		code, data, err := c.send(ctx, method, u.String(), contentType, body)
		switch {
		case err != nil:
			return fmt.Errorf("kube: %s %s: %w", method, path, err)
		case code == http.StatusUnauthorized && canRefresh && attempt == 0:
			inv.Invalidate()
			continue
		case code >= 300:
			return apiError(c.cluster, method, path, code, data)
		case out != nil:
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("kube: %s %s: decoding the answer: %w", method, path, err)
			}
		}
		return nil
	}
}

func (c *client) send(ctx context.Context, method, u, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	token, err := c.token.Token(ctx)
	if err != nil {
		return 0, nil, &tokenError{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", contentTypeJSON)
	req.Header.Set("User-Agent", "slipway")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, data, nil
}
