package platform

import (
	"context"
	"errors"
	"maps"
	"time"
)

// maxConfigAttempts bounds the retries of a config PATCH that keeps losing
// races with other PATCHes.
const maxConfigAttempts = 8

// ConfigService changes application configs: it validates a patch,
// fingerprints its values, seals its secrets and writes the new version.
type ConfigService struct {
	Store        Configs
	Sealer       Sealer
	Fingerprints Fingerprinter
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
}

// Patch applies p to the config of app, whose current version cur the
// caller read together with app. With ifVersion >= 0 the
// config must be at that version (ErrConfigChanged otherwise); without, a
// PATCH that loses a race with another is applied again on the newer
// version, so no update is ever lost. A patch that changes nothing writes
// nothing and returns cur.
func (s ConfigService) Patch(ctx context.Context, app Application, cur Config, ifVersion int64, p ConfigPatch, by string) (Config, error) {
	if s.Sealer == nil || len(s.Fingerprints.Key) < MinFingerprintKey {
		// Fail closed: never store a secret unsealed or fingerprint it
		// with a bare hash.
		return Config{}, &Error{Code: CodeUnavailable, Message: "config changes are not available: no config keys are configured"}
	}
	edit, err := NewConfigEdit(p, s.Fingerprints, cur.ApplicationID)
	if err != nil {
		return Config{}, err
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	for attempt := 0; attempt < maxConfigAttempts; attempt++ {
		if attempt > 0 {
			if cur, err = s.Store.CurrentConfig(ctx, cur.ApplicationID); err != nil {
				return Config{}, err
			}
		}
		if ifVersion >= 0 && cur.Version != ifVersion {
			return Config{}, ErrConfigChanged
		}
		if toSeal := edit.ToSeal(cur); len(toSeal) > 0 {
			sealed, err := s.Sealer.Seal(ctx, cur.ApplicationID, toSeal)
			if err != nil {
				return Config{}, Unavailable(err)
			}
			maps.Copy(edit.Sealed, sealed)
		}
		next, changed, err := edit.Apply(cur, now().UTC(), by)
		if err != nil || !changed {
			return next, err
		}
		err = s.Store.CreateConfig(ctx, app, next)
		if errors.Is(err, ErrConfigChanged) && ifVersion < 0 {
			continue
		}
		if err != nil {
			return Config{}, err
		}
		return next, nil
	}
	return Config{}, Errorf(CodeUnavailable, "the config is being changed by many requests at once; retry")
}
