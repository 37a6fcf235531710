package devstack_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/devstack"
)

func TestLocalKeysPersistWithTheData(t *testing.T) {
	dir := t.TempDir()
	first, err := devstack.NewLocalKeys(dir).Key("sealer")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != devstack.KeySize || bytes.Equal(first, make([]byte, devstack.KeySize)) {
		t.Fatalf("key %x: want %d random bytes", first, devstack.KeySize)
	}
	info, err := os.Stat(filepath.Join(dir, "keys", "sealer.key"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := devstack.NewLocalKeys(dir).Key("sealer") // a restart
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("the key changed across a restart")
	}
	other, _ := devstack.NewLocalKeys(dir).Key("cursor-signing")
	if bytes.Equal(first, other) {
		t.Fatal("two names share a key")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "keys", "*.tmp")); len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestLocalKeysInMemory(t *testing.T) {
	keys := devstack.NewLocalKeys("")
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = keys.Key("sealer")
		}()
	}
	wg.Wait()
	for _, k := range got {
		if !bytes.Equal(k, got[0]) || len(k) != devstack.KeySize {
			t.Fatalf("one process must see one key per name: %x vs %x", k, got[0])
		}
	}
	got[0][0] ^= 0xff // the caller's copy
	if again, _ := keys.Key("sealer"); !bytes.Equal(again, got[1]) {
		t.Fatal("a caller's change reached the kept key")
	}
	if fresh, _ := devstack.NewLocalKeys("").Key("sealer"); bytes.Equal(fresh, got[1]) {
		t.Fatal("two in-memory runs share a key")
	}
}

func TestLocalKeysRefuse(t *testing.T) {
	dir := t.TempDir()
	keysDir := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(keysDir, "short.key"), []byte("abc"), 0o600))
	must(os.WriteFile(filepath.Join(keysDir, "open.key"), make([]byte, devstack.KeySize), 0o600))
	must(os.Chmod(filepath.Join(keysDir, "open.key"), 0o644))
	for _, tc := range []struct{ name, want string }{
		{"short", "holds 3 bytes"},
		{"open", "accessible to other users"},
		{"../escape", "key name"},
		{"", "key name"},
		{"Upper", "key name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := devstack.NewLocalKeys(dir).Key(tc.name)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to say %q", err, tc.want)
			}
		})
	}
}
