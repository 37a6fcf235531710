package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Timestamp renders as RFC 3339 UTC with milliseconds and a Z.
type Timestamp time.Time

// TimestampLayout is the API's timestamp format.
const TimestampLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(TimestampLayout) + `"`), nil
}

// OrganizationView is the JSON of an organization.
type OrganizationView struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Slug    string    `json:"slug"`
	Created Timestamp `json:"created"`
}

// Organization renders an organization.
func Organization(o platform.Organization) OrganizationView {
	return OrganizationView{ID: o.ID, Name: o.Name, Slug: o.Slug, Created: Timestamp(o.Created)}
}

// ProjectView is the JSON of a project.
type ProjectView struct {
	ID               string    `json:"id"`
	OrganizationID   string    `json:"organization_id"`
	OrganizationSlug string    `json:"organization_slug"`
	Name             string    `json:"name"`
	Slug             string    `json:"slug"`
	Created          Timestamp `json:"created"`
}

// Project renders a project.
func Project(p platform.Project) ProjectView {
	return ProjectView{ID: p.ID, OrganizationID: p.OrganizationID, OrganizationSlug: p.OrganizationSlug, Name: p.Name, Slug: p.Slug, Created: Timestamp(p.Created)}
}

// PaginationView is the pagination member of a list response.
type PaginationView struct {
	Limit      int     `json:"limit"`
	NextCursor *string `json:"next_cursor"`
	HasMore    bool    `json:"has_more"`
}

// ListView is a paginated list response.
type ListView[T any] struct {
	Items      []T            `json:"items"`
	Pagination PaginationView `json:"pagination"`
}

// WritePage writes a page of items as a list response with a Link header
// to the next page.
func WritePage[T, V any](w http.ResponseWriter, r *http.Request, req platform.PageRequest, page platform.Page[T], view func(T) V) {
	items := make([]V, len(page.Items))
	for i, it := range page.Items {
		items[i] = view(it)
	}
	out := ListView[V]{Items: items, Pagination: PaginationView{Limit: req.Limit, HasMore: page.HasMore}}
	if page.NextCursor != "" {
		out.Pagination.NextCursor = &page.NextCursor
		q := r.URL.Query()
		q.Set("cursor", page.NextCursor)
		q.Set("limit", strconv.Itoa(req.Limit))
		w.Header().Set("Link", "<"+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	WriteJSON(w, http.StatusOK, out)
}

// ETag is the entity tag of an application at a version.
func ETag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// NoVersion is a version no application ever has.
const NoVersion = math.MaxInt64

// IfMatch returns the version an If-Match header requires: 0 when the
// header is absent or "*", NoVersion when it can match no version.
func IfMatch(r *http.Request) int64 {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0
	}
	if !strings.HasPrefix(h, `"v`) || !strings.HasSuffix(h, `"`) || len(h) < 4 {
		return NoVersion
	}
	n, err := strconv.ParseInt(h[2:len(h)-1], 10, 64)
	if err != nil || n <= 0 || ETag(n) != h { // strong comparison: "v05" and "v+5" are not "v5"
		return NoVersion
	}
	return n
}

// InstallationView is the JSON of a GitHub App installation linked to an
// organization; account is null when it is not known.
type InstallationView struct {
	InstallationID int64     `json:"installation_id"`
	Account        *string   `json:"account"`
	Created        Timestamp `json:"created"`
}

// Installation renders an installation link.
func Installation(in platform.Installation) InstallationView {
	v := InstallationView{InstallationID: in.ID, Created: Timestamp(in.Created)}
	if in.Account != "" {
		account := in.Account
		v.Account = &account
	}
	return v
}
