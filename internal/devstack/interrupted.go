package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// InterruptedReason is what a pipeline that was running when the local
// system was killed records as its failure at the next start.
const InterruptedReason = "the local system stopped while this pipeline ran (slipway dev was killed)"

// runningSet remembers, in <data dir>/running.json, the pipelines started
// and not yet ended, so that a start after a kill -9 can mark them failed
// instead of leaving them in progress (a clean stop marks them itself).
// With no data directory it keeps nothing. Safe for concurrent use.
type runningSet struct {
	path string // "" = nothing kept

	mu   sync.Mutex
	runs map[string]string // pipeline (image) id → application id
}

func openRunningSet(dataDir string) (*runningSet, error) {
	r := &runningSet{runs: map[string]string{}}
	if dataDir == "" {
		return r, nil
	}
	r.path = filepath.Join(dataDir, "running.json")
	raw, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &r.runs); err != nil {
		return nil, fmt.Errorf("devstack: %s: %w", r.path, err)
	}
	return r, nil
}

// snapshot returns the pipelines recorded as running.
func (r *runningSet) snapshot() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.runs))
	for k, v := range r.runs {
		out[k] = v
	}
	return out
}

func (r *runningSet) add(imageID, appID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.path == "" || r.runs[imageID] == appID {
		return nil
	}
	r.runs[imageID] = appID
	return r.save()
}

func (r *runningSet) remove(imageID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.runs[imageID]; !ok || r.path == "" {
		return
	}
	delete(r.runs, imageID)
	if err := r.save(); err != nil {
		slog.Warn("forgetting an ended pipeline", "pipeline", imageID, "error", err.Error())
	}
}

// save replaces the file atomically; mu is held.
func (r *runningSet) save() error {
	raw, _ := json.Marshal(r.runs)
	tmp := r.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(raw); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(r.path))
}

// trackingStarter records a pipeline as running before starting it.
type trackingStarter struct {
	next    pipeline.Starter
	running *runningSet
}

// Start records run, then starts it.
func (t trackingStarter) Start(ctx context.Context, run pipeline.Run) error {
	if err := t.running.add(run.Pipeline(), run.ApplicationID); err != nil {
		return fmt.Errorf("devstack: recording a running pipeline: %w", err)
	}
	return t.next.Start(ctx, run)
}

// failInterrupted marks failed the pipelines an earlier process left
// running.
func (s *Stack) failInterrupted(ctx context.Context) error {
	for imageID, appID := range s.running.snapshot() {
		if err := s.steps.MarkFailed(ctx, appID, imageID, InterruptedReason); err != nil {
			return fmt.Errorf("devstack: marking interrupted pipeline %s failed: %w", imageID, err)
		}
		s.running.remove(imageID)
	}
	return nil
}
