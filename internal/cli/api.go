package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/apiclient"
)

// api is the generated client bound to one profile.
type api struct {
	*apiclient.ClientWithResponses
}

// requestTimeout bounds one request (long polls stay well below it).
const requestTimeout = 60 * time.Second

// newAPI returns the generated client for prof: every request carries the
// bearer token and a User-Agent.
func newAPI(prof Profile, version string) (*api, error) {
	u, err := url.Parse(prof.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("API URL %q: want http(s)://host[:port]", prof.URL)
	}
	base := strings.TrimRight(prof.URL, "/")
	token := prof.Token
	c, err := apiclient.NewClientWithResponses(base,
		apiclient.WithHTTPClient(&http.Client{Timeout: requestTimeout}),
		apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("User-Agent", "slipway-cli/"+version)
			return nil
		}))
	if err != nil {
		return nil, err
	}
	return &api{ClientWithResponses: c}, nil
}

// response is what every generated response type has.
type response interface {
	StatusCode() int
	GetBody() []byte
}

// check turns a generated call's result into an error: no answer is an
// UnreachableError naming the URL, any status of 300 or more an APIError
// with the problem document the API sent.
func check[R response](r R, err error) (R, error) {
	if err != nil {
		target := "the API"
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil {
				target = u.Scheme + "://" + u.Host
			}
		}
		return r, &UnreachableError{URL: target, Err: err}
	}
	if s := r.StatusCode(); s >= 300 {
		var p apiclient.Problem
		if json.Unmarshal(r.GetBody(), &p) != nil || p.Code == "" {
			p = apiclient.Problem{Status: s, Title: http.StatusText(s)}
		}
		return r, &APIError{Status: s, Problem: p}
	}
	return r, nil
}

// decoded is the typed body of a successful response; a 2xx the client
// could not decode is reported, never silently empty.
func decoded[T any](v *T, what string) (*T, error) {
	if v == nil {
		return nil, fmt.Errorf("the API's %s answer could not be read", what)
	}
	return v, nil
}

// shown is what a read command prints from a successful response: with
// asJSON it writes body unchanged to w and returns a nil document (the
// command is then done), else the typed document v (see decoded).
func shown[T any](w io.Writer, asJSON bool, body []byte, v *T, what string) (*T, error) {
	if asJSON {
		return nil, writeJSON(w, body)
	}
	return decoded(v, what)
}
