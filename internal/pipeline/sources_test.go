package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// recordingSources mints fake tokens and records what it was asked.
type recordingSources struct {
	mu    sync.Mutex
	asked []string
	err   error
}

func (r *recordingSources) RepositoryToken(_ context.Context, installationID int64, repo string) (pipeline.SourceCredential, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, repo)
	if r.err != nil {
		return pipeline.SourceCredential{}, r.err
	}
	return pipeline.SourceCredential{Token: "ghs_for_" + repo, Repository: repo, ExpiresAt: time.Unix(1<<31, 0)}, nil
}

// startsOnly records the runs Full Deploy starts without running them.
type startsOnly struct{ runs []pipeline.Run }

func (s *startsOnly) Start(_ context.Context, run pipeline.Run) error {
	s.runs = append(s.runs, run)
	return nil
}

// TestBuildCredentials: start_build hands the builder a credential only
// for a private repository, minted from the application's own
// installation for exactly its repository; an application without an
// installation builds with no credential at all (and a private one
// without an installation does not build).
func TestBuildCredentials(t *testing.T) {
	inst := int64(4242)
	for _, tc := range []struct {
		name         string
		private      bool
		installation *int64
		mintErr      error
		wantCred     bool
		wantErr      string // the step's error type, "" for success
	}{
		{name: "public, no installation", wantCred: false},
		{name: "public with an installation", installation: &inst, wantCred: false},
		{name: "private with an installation", private: true, installation: &inst, wantCred: true},
		{name: "private, GitHub refuses", private: true, installation: &inst, mintErr: errors.New("422 no access"), wantErr: "BuildError"},
		{name: "private, GitHub down", private: true, installation: &inst, mintErr: platform.Unavailable(errors.New("502")), wantErr: "TransientError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := storetest.New(t)
			ids := &platform.IDGenerator{}
			repo, branch := "acme/web", "main"
			app := platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
				ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
			app.GithubRepository, app.AutoDeployBranch = &repo, &branch
			app.GithubRepositoryIsPrivate, app.GithubAppInstallationID = tc.private, tc.installation
			seedApplication(t, env, app)
			starter := &startsOnly{}
			img, err := (&pipeline.Launcher{Store: env.Store, Starter: starter, IDs: ids, Now: time.Now, Metrics: io.Discard}).Build(context.Background(),
				app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"}, func(*platform.Application) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			builder := &pipelinetest.Builder{}
			sources := &recordingSources{err: tc.mintErr}
			steps := &pipeline.Steps{Store: env.Store, Builder: builder, Sources: sources, Now: time.Now, IDs: ids, PollSeconds: 1}
			payload, _ := json.Marshal(pipeline.Invocation{Step: pipeline.StepStartBuild, Run: pipeline.Run{ApplicationID: app.ID, ImageID: img.ImageID}})
			_, err = steps.Handle(context.Background(), payload)
			if tc.wantErr != "" {
				if err == nil || !strings.HasSuffix(typeName(err), tc.wantErr) {
					t.Fatalf("err %T %v, want a %s", err, err, tc.wantErr)
				}
				if len(builder.Requests) != 0 {
					t.Fatalf("a build started without its credential: %+v", builder.Requests)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(builder.Requests) != 1 {
				t.Fatalf("%d builds", len(builder.Requests))
			}
			req := builder.Requests[0]
			if got := req.Credential != nil; got != tc.wantCred {
				t.Fatalf("credential %v, want %v", req.Credential, tc.wantCred)
			}
			if !tc.wantCred && len(sources.asked) != 0 {
				t.Fatalf("a public build minted tokens for %v", sources.asked)
			}
			if tc.wantCred && (req.Credential.Repository != repo || req.Credential.Token != "ghs_for_"+repo || len(sources.asked) != 1) {
				t.Fatalf("credential %v after asking for %v", req.Credential, sources.asked)
			}
		})
	}
}

// TestPrivateWithoutInstallationIsRefusedAtDeploy: Full Deploy answers 422
// naming github_repository_is_private before anything starts.
func TestPrivateWithoutInstallationIsRefusedAtDeploy(t *testing.T) {
	env := storetest.New(t)
	ids := &platform.IDGenerator{}
	repo, branch := "acme/secret", "main"
	app := platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	app.GithubRepository, app.AutoDeployBranch, app.GithubRepositoryIsPrivate = &repo, &branch, true
	seedApplication(t, env, app)
	starter := &startsOnly{}
	_, err := (&pipeline.Launcher{Store: env.Store, Starter: starter, IDs: ids, Now: time.Now, Metrics: io.Discard}).Build(context.Background(),
		app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"}, func(*platform.Application) error { return nil })
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeInvalid || len(starter.runs) != 0 {
		t.Fatalf("deploy: %v (runs %d)", err, len(starter.runs))
	}
	found := false
	for _, f := range pe.Fields {
		found = found || f.Field == "github_repository_is_private"
	}
	if !found {
		t.Fatalf("the 422 does not name github_repository_is_private: %+v", pe)
	}
}

func typeName(err error) string {
	var b *pipeline.BuildError
	var tr *pipeline.TransientError
	switch {
	case errors.As(err, &b):
		return "BuildError"
	case errors.As(err, &tr):
		return "TransientError"
	}
	return "other"
}
