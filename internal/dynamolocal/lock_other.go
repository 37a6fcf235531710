//go:build !unix

package dynamolocal

import "os"

// lockDir opens the lock file; on this platform it does not lock, so two
// processes must not open one directory at once.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

func unlockDir(f *os.File) error { return f.Close() }
