package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// apiVersion is the REST API version Slipway is written against.
const apiVersion = "2022-11-28"

// maxResponse bounds what is read of any response body.
const maxResponse = 1 << 20

// call sends one REST request with a bearer credential and decodes a
// response of status want into out. Any other status is an *APIError.
func (a *App) call(ctx context.Context, method, path, bearer string, in, out any, want int) error {
	op := method + " " + path
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.baseURL()+path, body)
	if err != nil {
		return fmt.Errorf("github: %s: %w", op, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("User-Agent", "slipway")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("github: %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("github: %s: reading response: %w", op, err)
	}
	if resp.StatusCode != want {
		var msg struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &msg)
		return newAPIError(op, resp, msg.Message)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("github: %s: decoding response: %w", op, err)
		}
	}
	return nil
}
