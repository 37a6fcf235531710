package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// NamespacePrefix starts the Kubernetes namespace of every organization, so
// that no organization slug can name a namespace Slipway does not own
// (default, kube-system, amazon-cloudwatch, …): the RBAC manifests of
// infra/kubernetes grant the functions rights only in namespaces so named.
const NamespacePrefix = "slipway-"

// maxNamespace is the length limit of a namespace name (a DNS label).
const maxNamespace = 63

// OrganizationNamespace is the Kubernetes namespace of an organization's
// applications: NamespacePrefix + the organization's slug. A name longer
// than 63 characters is cut and ends in "-" and 10 hex digits of the
// slug's SHA-256, so that it stays a unique DNS label.
func OrganizationNamespace(orgSlug string) string {
	ns := NamespacePrefix + orgSlug
	if len(ns) <= maxNamespace {
		return ns
	}
	sum := sha256.Sum256([]byte(orgSlug))
	suffix := "-" + hex.EncodeToString(sum[:5])
	return strings.TrimRight(ns[:maxNamespace-len(suffix)], "-") + suffix
}
