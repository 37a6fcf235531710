package platform

// Caller is the authenticated principal of a request.
type Caller struct {
	TokenID          string
	TokenName        string
	Role             Role
	OrganizationID   string
	OrganizationSlug string
}

// CallerFromToken returns the principal a token authenticates.
func CallerFromToken(t Token) Caller {
	return Caller{TokenID: t.ID, TokenName: t.Name, Role: t.Role, OrganizationID: t.OrganizationID, OrganizationSlug: t.OrganizationSlug}
}

// IsPlatform reports whether the caller may do everything.
func (c Caller) IsPlatform() bool { return c.Role == RolePlatform }

// CanView reports whether the caller may read resources of the organization.
func (c Caller) CanView(orgSlug string) bool {
	return c.IsPlatform() || (c.OrganizationSlug != "" && c.OrganizationSlug == orgSlug)
}

// CanChange reports whether the caller may create, change or deploy
// resources of the organization.
func (c Caller) CanChange(orgSlug string) bool {
	return c.IsPlatform() || (c.CanView(orgSlug) && c.Role == RoleAdmin)
}

// Authorize returns nil when the caller may act on the organization's
// resources: a not_found error when it may not even view them (so nothing
// leaks about their existence), a forbidden error when it may view but not
// change them. what names the resource in the not_found message.
func (c Caller) Authorize(orgSlug string, change bool, what string) error {
	if !c.CanView(orgSlug) {
		return NotFound(what)
	}
	if change && !c.CanChange(orgSlug) {
		// Admin-only reads (an organization's tokens) come here too, so
		// the message names the role needed rather than "change".
		return Errorf(CodeForbidden, "a member token may not do this to the %s: it needs an organization admin token", what)
	}
	return nil
}
