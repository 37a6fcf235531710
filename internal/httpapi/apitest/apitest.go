// Package apitest drives the HTTP API in tests: a store on a fresh table,
// seeded organizations and one token of every kind, and a small client that
// goes through the same router the Lambdas use.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// Identities seeded by New: a token secret for each.
const (
	Platform    = "platform"
	Admin       = "admin"        // admin of organization "acme"
	Member      = "member"       // member of "acme"
	OtherAdmin  = "other-admin"  // admin of organization "globex"
	OtherMember = "other-member" // member of "globex"
)

// Env is a seeded API on a fresh table.
type Env struct {
	*storetest.Env
	T       testing.TB
	Handler http.Handler
	// Tokens maps identity to token secret.
	Tokens map[string]string
	// Projects maps "org/project" to the seeded project.
	Projects map[string]platform.Project
	IDs      *platform.IDGenerator
}

// New seeds organizations acme and globex with a project "shop" each, a
// token per identity (its use recorded now), and serves routes(store) through httpapi.NewHandler.
func New(t testing.TB, routes func(env *Env) []httpapi.Route) *Env {
	t.Helper()
	st := storetest.New(t)
	env := &Env{Env: st, T: t, Tokens: map[string]string{}, Projects: map[string]platform.Project{}, IDs: &platform.IDGenerator{}}
	ctx := context.Background()
	now := time.Now().UTC()
	orgs := map[string]platform.Organization{}
	for _, slug := range []string{"acme", "globex"} {
		org := platform.Organization{ID: env.IDs.NewID(), Name: slug, Slug: slug, Created: now}
		must(t, st.Store.CreateOrganization(ctx, org))
		orgs[slug] = org
		p := platform.Project{ID: env.IDs.NewID(), OrganizationID: org.ID, OrganizationSlug: slug, Name: "Shop", Slug: "shop", Created: now}
		must(t, st.Store.CreateProject(ctx, p))
		env.Projects[slug+"/shop"] = p
	}
	for name, spec := range map[string]struct {
		role platform.Role
		org  string
	}{
		Platform: {platform.RolePlatform, ""}, Admin: {platform.RoleAdmin, "acme"}, Member: {platform.RoleMember, "acme"},
		OtherAdmin: {platform.RoleAdmin, "globex"}, OtherMember: {platform.RoleMember, "globex"},
	} {
		secret := httpapi.NewTokenSecret()
		tok := platform.Token{
			ID: env.IDs.NewID(), Name: name, Role: spec.role, OrganizationSlug: spec.org,
			OrganizationID: orgs[spec.org].ID, Hash: httpapi.HashToken(secret), Created: now,
		}
		must(t, st.Store.CreateToken(ctx, tok))
		// Seeded as used now: requests within platform.TokenUseResolution
		// record no use, so a read leaves the table exactly as it was.
		must(t, st.Store.TouchToken(ctx, tok, now))
		env.Tokens[name] = secret
	}
	env.Handler = httpapi.NewHandler(httpapi.Config{Tokens: st.Store, Idempotency: st.Store}, routes(env))
	return env
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r *Response) JSON() map[string]any {
	var v map[string]any
	_ = json.Unmarshal(r.Body, &v)
	return v
}

// Array decodes a JSON array body.
func (r *Response) Array() []map[string]any {
	var v []map[string]any
	_ = json.Unmarshal(r.Body, &v)
	return v
}

// Request is one call: Token is an identity name or a raw secret.
type Request struct {
	Method, Path string
	Token        string
	Body         any // string or []byte sent as is; anything else as JSON
	Header       map[string]string
}

// Do sends a request through the handler.
func (e *Env) Do(req Request) *Response {
	e.T.Helper()
	var body io.Reader = http.NoBody
	switch b := req.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(e.T, err)
		body = bytes.NewReader(j)
	}
	r := httptest.NewRequest(req.Method, req.Path, body)
	if req.Body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		secret := req.Token
		if s, ok := e.Tokens[req.Token]; ok {
			secret = s
		}
		r.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	return &Response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}
