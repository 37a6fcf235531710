package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// The labels the adapter sets. LabelApplicationID and LabelProcess select a
// Deployment's pods and never change; the release label does.
const (
	LabelName           = "app.kubernetes.io/name"
	LabelInstance       = "app.kubernetes.io/instance"
	LabelManagedBy      = "app.kubernetes.io/managed-by"
	LabelApplicationID  = "slipway.dev/application-id"
	LabelProcess        = "slipway.dev/process"
	LabelReleaseVersion = "slipway.dev/release-version"
	ManagedBy           = "slipway"
)

// maxName is the length limit of Service names and label values.
const maxName = 63

var dns1035 = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// ObjectName is the name of the Deployment and Service of a process:
// "<workload name>-<process>" when that is a valid Service name (a DNS-1035
// label: at most 63 characters, starting with a letter). Otherwise it is
// shortened deterministically to a valid one: a letter prefix when needed,
// the longest prefix that fits, and a hash of the full name.
func ObjectName(workload, process string) string {
	full := workload + "-" + process
	if len(full) <= maxName && dns1035.MatchString(full) {
		return full
	}
	return shorten("p", full)
}

// labelValue is v when it is a valid label value length, else shortened.
func labelValue(v string) string {
	if len(v) <= maxName {
		return v
	}
	return shorten("", v)
}

// shorten returns prefix+s cut to fit maxName with "-<10 hex of SHA-256(s)>"
// appended, ending in an alphanumeric character before the hash.
func shorten(prefix, s string) string {
	sum := sha256.Sum256([]byte(s))
	suffix := "-" + hex.EncodeToString(sum[:5])
	if s != "" && (s[0] < 'a' || s[0] > 'z') {
		s = prefix + s
	}
	if len(s) > maxName-len(suffix) {
		s = s[:maxName-len(suffix)]
	}
	return strings.TrimRight(s, "-") + suffix
}
