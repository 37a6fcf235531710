package httpapi

import "github.com/slipway-paas/slipway/internal/platform"

// TokenSummaryView is one entry of the token list: never the secret or
// its hash.
type TokenSummaryView struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Role     platform.Role `json:"role"`
	Created  Timestamp     `json:"created"`
	LastUsed *Timestamp    `json:"last_used"`
}

// TokenSummary renders a token for the list.
func TokenSummary(t platform.Token) TokenSummaryView {
	v := TokenSummaryView{ID: t.ID, Name: t.Name, Role: t.Role, Created: Timestamp(t.Created)}
	if t.LastUsed != nil {
		used := Timestamp(*t.LastUsed)
		v.LastUsed = &used
	}
	return v
}
