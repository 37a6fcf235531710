package platform

import (
	"errors"
	"strings"
	"testing"
)

// TestAuthorize: invisible is not_found (nothing leaks), a member asking
// for an admin's action is forbidden with a message naming the role it
// needs (it reads true for admin-only reads too), everything else passes.
func TestAuthorize(t *testing.T) {
	member := Caller{Role: RoleMember, OrganizationSlug: "acme"}
	admin := Caller{Role: RoleAdmin, OrganizationSlug: "acme"}
	platform := Caller{Role: RolePlatform}
	for _, tc := range []struct {
		name   string
		caller Caller
		org    string
		change bool
		code   ErrorCode // "" when allowed
		words  string
	}{
		{"member reads", member, "acme", false, "", ""},
		{"member changes", member, "acme", true, CodeForbidden, "a member token may not do this to the organization: it needs an organization admin token"},
		{"admin changes", admin, "acme", true, "", ""},
		{"another organization's admin", admin, "other", true, CodeNotFound, "organization not found"},
		{"another organization's member reads", member, "other", false, CodeNotFound, "organization not found"},
		{"platform", platform, "other", true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.caller.Authorize(tc.org, tc.change, "organization")
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != tc.code || !strings.Contains(pe.Message, tc.words) {
				t.Fatalf("err = %v, want %s %q", err, tc.code, tc.words)
			}
		})
	}
}
