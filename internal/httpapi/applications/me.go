package applications

import (
	"net/http"

	"github.com/slipway-paas/slipway/internal/httpapi"
)

// meView is what GET /me answers: the token the request carries, never
// its secret or hash. The dashboard reads role and organization_slug to
// show an admin's actions and disable them for a member.
type meView struct {
	TokenID string `json:"token_id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	// OrganizationSlug is the token's organization; null for a platform
	// token.
	OrganizationSlug *string `json:"organization_slug"`
}

// callerRoutes are the routes about the caller itself.
func (a api) callerRoutes() []httpapi.Route {
	return []httpapi.Route{{Method: "GET", Pattern: "/me", Handle: a.me}}
}

// me answers who the token is: any valid token may ask about itself.
func (a api) me(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	view := meView{TokenID: caller.TokenID, Name: caller.TokenName, Role: string(caller.Role)}
	if !caller.IsPlatform() {
		view.OrganizationSlug = &caller.OrganizationSlug
	}
	httpapi.WriteJSON(w, http.StatusOK, view)
	return nil
}
