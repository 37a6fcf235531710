package secrets

import (
	"context"
	"strings"
	"testing"
)

// TestBuildSecretsStayUnderThePrefix: nothing outside the prefix is ever
// written or deleted (the client would fail the test if called).
func TestBuildSecretsStayUnderThePrefix(t *testing.T) {
	b := BuildSecrets{Client: nil, Prefix: "stack/build/"}
	for _, key := range []string{"", "../other", "a/b"} {
		if _, err := b.PutBuildSecret(context.Background(), key, "v"); err == nil || !strings.Contains(err.Error(), "not under a prefix") {
			t.Errorf("PutBuildSecret(%q): %v", key, err)
		}
	}
	for _, name := range []string{"", "stack/other", "github-app-key"} {
		if err := b.DeleteBuildSecret(context.Background(), name); err == nil || !strings.Contains(err.Error(), "is not a build secret") {
			t.Errorf("DeleteBuildSecret(%q): %v", name, err)
		}
	}
	if _, err := (BuildSecrets{}).PutBuildSecret(context.Background(), "k", "v"); err == nil {
		t.Error("an empty prefix was accepted")
	}
}
