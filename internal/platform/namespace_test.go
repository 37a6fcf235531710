package platform

import (
	"strings"
	"testing"
)

func TestOrganizationNamespace(t *testing.T) {
	long := strings.Repeat("a", 63)
	dashy := strings.Repeat("a", 43) + "-" + strings.Repeat("b", 19) // the cut lands on the dash
	for _, tc := range []struct{ slug, want string }{
		{"acme", "slipway-acme"},
		{"default", "slipway-default"},
		{"kube-system", "slipway-kube-system"},
		{strings.Repeat("a", 55), "slipway-" + strings.Repeat("a", 55)},
		{long, "slipway-" + strings.Repeat("a", 44) + "-7d3e74a05d"},
		{dashy, "slipway-" + strings.Repeat("a", 43) + "-af44decc86"}, // one dash, not two
	} {
		got := OrganizationNamespace(tc.slug)
		if !IsDNSLabel(got) || !strings.HasPrefix(got, NamespacePrefix) {
			t.Errorf("OrganizationNamespace(%q) = %q: not a DNS label with the prefix", tc.slug, got)
		}
		if got != tc.want {
			t.Errorf("OrganizationNamespace(%q) = %q, want %q", tc.slug, got, tc.want)
		}
	}
	if OrganizationNamespace(long) == OrganizationNamespace(long[:62]+"b") {
		t.Error("two long slugs share a namespace")
	}
}
