package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxResponse bounds the body of an API answer.
const maxResponse = 8 << 20

// Content types of the API requests.
const (
	contentTypeApply = "application/apply-patch+yaml"
	contentTypeMerge = "application/strategic-merge-patch+json"
	contentTypeJSON  = "application/json"
)

// client speaks the Kubernetes REST API.
type client struct {
	server  *url.URL
	cluster string
	token   TokenSource
	http    *http.Client
	warn    func(method, path, warning string)
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
	warn := cfg.OnWarning
	if warn == nil {
		warn = func(method, path, warning string) {
			slog.Warn("kubernetes API warning", "cluster", cluster, "request", method+" "+path, "warning", warning)
		}
	}
	return &client{server: server, cluster: cluster, token: cfg.Token, http: hc, warn: warn}, nil
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

// create creates obj in the collection (POST).
func (c *client) create(ctx context.Context, collection string, obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, collection, nil, contentTypeJSON, body, nil)
}

// patch strategic-merge-patches the object at path as fieldManager; unlike
// apply it never creates the object.
func (c *client) patch(ctx context.Context, path, fieldManager string, obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPatch, path, url.Values{"fieldManager": {fieldManager}}, contentTypeMerge, body, nil)
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
		code, data, warnings, err := c.send(ctx, method, u.String(), contentType, body)
		for _, w := range warnings {
			c.warn(method, path, w)
		}
		switch {
		case err != nil:
			return fmt.Errorf("kube: %s %s: %w", method, path, err)
		case code == http.StatusUnauthorized && canRefresh && attempt == 0:
			inv.Invalidate()
			continue
		case code >= 300:
			return apiError(c.cluster, method, path, code, data)
		case out != nil:
			if raw, ok := out.(*[]byte); ok { // a text answer (a pod's log)
				*raw = data
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("kube: %s %s: decoding the answer: %w", method, path, err)
			}
		}
		return nil
	}
}

func (c *client) send(ctx context.Context, method, u, contentType string, body []byte) (int, []byte, []string, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	token, err := c.token.Token(ctx)
	if err != nil {
		return 0, nil, nil, &tokenError{err: err}
	}
	if token != "" { // empty: a client certificate of Config.HTTPClient authenticates
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", contentTypeJSON)
	req.Header.Set("User-Agent", "slipway")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, data, warnings(resp.Header), nil
}

// warnings are the texts of the answer's Warning headers (RFC 7234 form
// `299 - "text"`, which the API server uses for deprecations and for the
// Pod Security "would violate" notices).
func warnings(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Warning") {
		text := v
		if _, rest, ok := strings.Cut(v, " - "); ok {
			text = rest
		}
		if unq, err := strconv.Unquote(text); err == nil {
			text = unq
		}
		out = append(out, text)
	}
	return out
}
