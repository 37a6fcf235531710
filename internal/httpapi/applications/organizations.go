package applications

import (
	"context"
	"net/http"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

func (a api) createOrganization(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	if !caller.IsPlatform() {
		return platform.Errorf(platform.CodeForbidden, "only a platform token may create organizations")
	}
	name, slug, err := nameAndSlug(r)
	if err != nil {
		return err
	}
	org := platform.Organization{ID: a.IDs.NewID(), Name: name, Slug: slug, Created: a.Now().UTC()}
	if err := a.Store.CreateOrganization(r.Context(), org); err != nil {
		return err
	}
	httpapi.Location(w, "/organizations/"+org.Slug)
	httpapi.WriteJSON(w, http.StatusCreated, httpapi.Organization(org))
	return nil
}

// nameAndSlug decodes a {name, slug} body.
func nameAndSlug(r *http.Request) (name, slug string, err error) {
	obj, err := httpapi.DecodeObject(httpapi.Body(r))
	if err != nil {
		return "", "", err
	}
	name, slug = obj.String("name", true), obj.String("slug", true)
	if err := obj.Done(); err != nil {
		return "", "", err
	}
	var v platform.Violations
	name = platform.NormalizeName(&v, "name", name)
	platform.CheckSlug(&v, "slug", slug)
	return name, slug, v.Err()
}

func (a api) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	page, err := httpapi.PageRequest(r)
	if err != nil {
		return err
	}
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	if caller.IsPlatform() {
		orgs, err := a.Store.ListOrganizations(r.Context(), page)
		if err != nil {
			return err
		}
		httpapi.WritePage(w, r, page, orgs, httpapi.Organization)
		return nil
	}
	if page.Cursor != "" {
		return platform.Errorf(platform.CodeBadRequest, "the cursor is not valid for this list")
	}
	org, err := a.Store.GetOrganization(r.Context(), caller.OrganizationSlug)
	if err != nil {
		return err
	}
	httpapi.WritePage(w, r, page, platform.Page[platform.Organization]{Items: []platform.Organization{org}}, httpapi.Organization)
	return nil
}

func (a api) createProject(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	if err := administers(r, orgSlug); err != nil {
		return err
	}
	name, slug, err := nameAndSlug(r)
	if err != nil {
		return err
	}
	if platform.ReservedProjectSlugs[slug] {
		return platform.Invalid("slug", "is reserved")
	}
	org, err := a.Store.GetOrganization(r.Context(), orgSlug)
	if err != nil {
		return err
	}
	p := platform.Project{ID: a.IDs.NewID(), OrganizationID: org.ID, OrganizationSlug: org.Slug, Name: name, Slug: slug, Created: a.Now().UTC()}
	if err := a.Store.CreateProject(r.Context(), p); err != nil {
		return err
	}
	httpapi.Location(w, "/organizations/"+org.Slug+"/projects")
	httpapi.WriteJSON(w, http.StatusCreated, httpapi.Project(p))
	return nil
}

func (a api) listProjects(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	page, err := httpapi.PageRequest(r)
	if err != nil {
		return err
	}
	projects, caller, err := readVisible(r, orgSlug, "organization", func(ctx context.Context) (platform.Page[platform.Project], error) {
		return a.Store.ListProjects(ctx, orgSlug, page)
	})
	if err != nil {
		return err
	}
	if len(projects.Items) == 0 && page.Cursor == "" && caller.IsPlatform() {
		if _, err := a.Store.GetOrganization(r.Context(), orgSlug); err != nil {
			return err // 404 for an organization that does not exist
		}
	}
	httpapi.WritePage(w, r, page, projects, httpapi.Project)
	return nil
}

func (a api) createToken(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	if err := administers(r, orgSlug); err != nil {
		return err
	}
	obj, err := httpapi.DecodeObject(httpapi.Body(r))
	if err != nil {
		return err
	}
	name, role := obj.String("name", true), obj.String("role", true)
	if err := obj.Done(); err != nil {
		return err
	}
	var v platform.Violations
	name = platform.NormalizeName(&v, "name", name)
	if role != string(platform.RoleAdmin) && role != string(platform.RoleMember) {
		v.Add("role", "must be admin or member")
	}
	if err := v.Err(); err != nil {
		return err
	}
	org, err := a.Store.GetOrganization(r.Context(), orgSlug)
	if err != nil {
		return err
	}
	secret := httpapi.NewTokenSecret()
	tok := platform.Token{ID: a.IDs.NewID(), Name: name, Role: platform.Role(role), OrganizationID: org.ID,
		OrganizationSlug: org.Slug, Hash: httpapi.HashToken(secret), Created: a.Now().UTC()}
	if err := a.Store.CreateToken(r.Context(), tok); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"id": tok.ID, "name": tok.Name, "role": tok.Role, "token": secret, "created": httpapi.Timestamp(tok.Created),
	})
	return nil
}

func (a api) revokeToken(w http.ResponseWriter, r *http.Request) error {
	orgSlug, id := r.PathValue("org_slug"), r.PathValue("token_id")
	if err := administers(r, orgSlug); err != nil {
		if platform.IsCode(err, platform.CodeNotFound) {
			// An organization the caller cannot see answers exactly as a
			// missing token does (what the platform gets for one).
			return platform.NotFound("token")
		}
		return err
	}
	if !platform.IsUUID(id) {
		return platform.NotFound("token")
	}
	if err := a.Store.RevokeToken(r.Context(), orgSlug, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// administers returns nil when the request's caller may change the
// organization's resources (404 when it may not see them, 403 when it may
// only read them).
func administers(r *http.Request, orgSlug string) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	return caller.Authorize(orgSlug, true, "organization")
}
