package store

import (
	"fmt"
	"strings"
)

// Every key format of the table lives in this file.

const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	indexGSI1  = "GSI1"
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	indexGSI2  = "GSI2"
)

var (
	primaryKeyAttrs = []string{attrPK, attrSK}
	gsi1KeyAttrs    = []string{attrPK, attrSK, attrGSI1PK, attrGSI1SK}
)

func orgKey(slug string) item           { return key("ORG#"+slug, "ORG") }
func projectKey(id string) item         { return key("PROJECT#"+id, "PROJECT") }
func appKey(id string) item             { return key("APP#"+id, "APP") }
func tokenKey(hash string) item         { return key("TOKEN#"+hash, "TOKEN") }
func tokenIDKey(id string) item         { return key("TOKENID#"+id, "TOKEN") }
func idempotencyKey(scoped string) item { return key("IDEMP#"+scoped, "IDEMP") }
func deliveryKey(guid string) item      { return key("DELIVERY#"+guid, "DELIVERY") }

// installationKey is the pointer from a GitHub App installation to one
// application that uses it.
func installationKey(installationID int64, appID string) item {
	return key(fmt.Sprintf("INSTALL#%d", installationID), "APP#"+appID)
}

func installationPartition(installationID int64) string {
	return fmt.Sprintf("INSTALL#%d", installationID)
}

// repositoryPartition and pushSortKey place an application in GSI2 by its
// repository (lower-cased: GitHub names are case-insensitive) and branch.
// ':' cannot occur in a git branch name, so "<branch>:" prefixes exactly
// the applications of one branch.
func repositoryPartition(repo string) string  { return "REPO#" + strings.ToLower(repo) }
func pushSortKey(branch, appID string) string { return branch + ":" + appID }

// githubInstallationKey is the guard that gives a GitHub App installation
// to one organization; orgInstallationKey is the organization's copy of
// the link, beside the organization item, so that one Query lists both.
func githubInstallationKey(id int64) item { return key(fmt.Sprintf("GHINSTALL#%d", id), "GHINSTALL") }

func orgInstallationKey(orgSlug string, id int64) item {
	return key("ORG#"+orgSlug, fmt.Sprintf("%s%020d", orgInstallationSKPrefix, id))
}

const orgInstallationSKPrefix = "GHINSTALL#"

func projectGuardKey(orgSlug, projectSlug string) item {
	return key("SLUG#PROJECT#"+orgSlug+"/"+projectSlug, "SLUG")
}

func appGuardKey(orgSlug, projectSlug, appSlug string) item {
	return key("SLUG#APP#"+orgSlug+"/"+projectSlug+"/"+appSlug, "SLUG")
}

// platformTokensPartition indexes every platform token in GSI1.
const platformTokensPartition = "PLATFORMTOKENS"

const (
	orgsPartition   = "ORGS"
	projectMarkerSK = "#PROJECT"
	appSKPrefix     = "APP#"
)

func projectsPartition(orgSlug string) string { return "PROJECTS#" + orgSlug }

// tokensPartition is the GSI1 partition of an organization's tokens.
func tokensPartition(orgSlug string) string { return "TOKENS#" + orgSlug }

func appsPartition(orgSlug, projectSlug string) string {
	return "APPS#" + orgSlug + "/" + projectSlug
}

// withIndex adds GSI1 keys to an item key.
func withIndex(k item, gsiPK, gsiSK string) item {
	k[attrGSI1PK] = str(gsiPK)
	k[attrGSI1SK] = str(gsiSK)
	return k
}
