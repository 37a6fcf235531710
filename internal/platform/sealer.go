package platform

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer encrypts the secret values of one application's config before
// they are stored. The API functions seal; they cannot unseal.
type Sealer interface {
	// Seal encrypts values (name to plaintext) of the application.
	Seal(ctx context.Context, appID string, values map[string]string) (map[string]SealedValue, error)
}

// Unsealer decrypts sealed config values: the pipeline's side.
type Unsealer interface {
	// Unseal decrypts sealed (name to sealed value) of the application.
	Unseal(ctx context.Context, appID string, sealed map[string]SealedValue) (map[string]string, error)
}

// DataKeys is a key service that issues data keys bound to an application
// (AWS KMS with the application id as encryption context; a local key in
// the local system) and unwraps them again.
type DataKeys interface {
	// NewDataKey returns a fresh 256-bit data key and its wrapped form.
	NewDataKey(ctx context.Context, appID string) (plain, wrapped []byte, err error)
	// OpenDataKey unwraps a data key of the application.
	OpenDataKey(ctx context.Context, appID string, wrapped []byte) ([]byte, error)
}

// Envelope is envelope encryption over a key service: one data key per
// Seal call, AES-256-GCM per value with the application id and the var
// name as additional data, so a sealed value moved to another var or
// application does not open.
type Envelope struct{ Keys DataKeys }

// ErrUnseal is the error of a sealed value that does not open.
var ErrUnseal = errors.New("platform: a sealed config value does not open (wrong application, var or key)")

func valueAAD(appID, name string) []byte {
	return []byte("slipway config value\x00" + appID + "\x00" + name)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("platform: data key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal implements Sealer: one NewDataKey call for all values, none when
// values is empty.
func (e Envelope) Seal(ctx context.Context, appID string, values map[string]string) (map[string]SealedValue, error) {
	out := make(map[string]SealedValue, len(values))
	if len(values) == 0 {
		return out, nil
	}
	plain, wrapped, err := e.Keys.NewDataKey(ctx, appID)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	gcm, err := newGCM(plain)
	if err != nil {
		return nil, err
	}
	for name, v := range values {
		nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(v)+gcm.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		out[name] = SealedValue{Key: wrapped, Box: gcm.Seal(nonce, nonce, []byte(v), valueAAD(appID, name))}
	}
	return out, nil
}

// Unseal implements Unsealer: one OpenDataKey call per distinct data key.
func (e Envelope) Unseal(ctx context.Context, appID string, sealed map[string]SealedValue) (map[string]string, error) {
	out := make(map[string]string, len(sealed))
	aeads := map[string]cipher.AEAD{}
	for name, s := range sealed {
		gcm, ok := aeads[string(s.Key)]
		if !ok {
			plain, err := e.Keys.OpenDataKey(ctx, appID, s.Key)
			if err != nil {
				return nil, err
			}
			gcm, err = newGCM(plain)
			clear(plain)
			if err != nil {
				return nil, err
			}
			aeads[string(s.Key)] = gcm
		}
		if len(s.Box) < gcm.NonceSize()+gcm.Overhead() {
			return nil, ErrUnseal
		}
		n := gcm.NonceSize()
		v, err := gcm.Open(nil, s.Box[:n], s.Box[n:], valueAAD(appID, name))
		if err != nil {
			return nil, ErrUnseal
		}
		out[name] = string(v)
	}
	return out, nil
}

// LocalDataKeys is a DataKeys on a local master key (32 bytes): data keys are
// wrapped with AES-256-GCM under it, the application id as additional data.
// The local system keeps the master key with its data.
type LocalDataKeys struct{ Master []byte }

func keyAAD(appID string) []byte { return []byte("slipway config data key\x00" + appID) }

// NewDataKey implements DataKeys.
func (k LocalDataKeys) NewDataKey(_ context.Context, appID string) ([]byte, []byte, error) {
	gcm, err := newGCM(k.Master)
	if err != nil {
		return nil, nil, err
	}
	plain := make([]byte, 32)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(plain); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return plain, gcm.Seal(nonce, nonce, plain, keyAAD(appID)), nil
}

// OpenDataKey implements DataKeys.
func (k LocalDataKeys) OpenDataKey(_ context.Context, appID string, wrapped []byte) ([]byte, error) {
	gcm, err := newGCM(k.Master)
	if err != nil {
		return nil, err
	}
	n := gcm.NonceSize()
	if len(wrapped) < n+gcm.Overhead() {
		return nil, ErrUnseal
	}
	plain, err := gcm.Open(nil, wrapped[:n], wrapped[n:], keyAAD(appID))
	if err != nil {
		return nil, ErrUnseal
	}
	return plain, nil
}
