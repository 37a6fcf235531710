package devstack

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
)

// KeySize is the length in bytes of every key LocalKeys hands out.
const KeySize = 32

// keyName is what a key name may be: it becomes a file name.
var keyName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// LocalKeys keeps the local system's small secret keys (the cursor signing
// key, a local Sealer key, …) with its data, so that what they protect
// survives a restart. Each key is KeySize random bytes, created on first
// use as the file <data dir>/keys/<name>.key (mode 0600, the directory
// 0700) and read back on later starts. With no data directory (an
// in-memory run) a key is random per process and the same for every call
// with its name. Safe for concurrent use.
type LocalKeys struct {
	dir string // "" = in memory

	mu  sync.Mutex
	mem map[string][]byte
}

// NewLocalKeys keeps keys under dataDir ("" keeps them in memory only).
func NewLocalKeys(dataDir string) *LocalKeys {
	k := &LocalKeys{mem: map[string][]byte{}}
	if dataDir != "" {
		k.dir = filepath.Join(dataDir, "keys")
	}
	return k
}

// Key returns the key called name (lower-case letters, digits and '-'),
// creating it on first use. The returned slice is the caller's own copy.
func (k *LocalKeys) Key(name string) ([]byte, error) {
	if !keyName.MatchString(name) {
		return nil, fmt.Errorf("devstack: key name %q: want lower-case letters, digits and '-'", name)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.mem[name]; ok {
		return append([]byte(nil), key...), nil
	}
	key, err := k.load(name)
	if err != nil {
		return nil, err
	}
	k.mem[name] = key
	return append([]byte(nil), key...), nil
}

// load reads the key file, or creates it: written to a temporary file,
// synced and linked into place, so a crash never leaves a short key and
// two processes racing agree on the one that landed first.
func (k *LocalKeys) load(name string) ([]byte, error) {
	key := make([]byte, KeySize)
	if k.dir == "" {
		_, _ = rand.Read(key)
		return key, nil
	}
	path := filepath.Join(k.dir, name+".key")
	if existing, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return existing, err
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return nil, fmt.Errorf("devstack: key directory: %w", err)
	}
	_, _ = rand.Read(key)
	tmp, err := os.CreateTemp(k.dir, name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("devstack: creating key %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return nil, err
	}
	if _, err := tmp.Write(key); err != nil {
		_ = tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path) // another process created it first
		}
		return nil, fmt.Errorf("devstack: creating key %s: %w", name, err)
	}
	if err := syncDir(k.dir); err != nil {
		return nil, err
	}
	return key, nil
}

// readKey reads a key file, refusing one of the wrong size or readable by
// others.
func readKey(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("devstack: key file %s is accessible to other users (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("devstack: key file %s holds %d bytes, want %d", path, len(key), KeySize)
	}
	return key, nil
}

// syncDir makes a directory entry just created durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
