package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

func (s *session) releaseCmd() *cobra.Command {
	var noWait, asJSON bool
	var imageVersion int
	c := &cobra.Command{
		Use:   "release ORG/PROJECT/APP [--image-version N] [--no-wait]",
		Short: "Release an existing image with the current config and settings, deploy it, and watch it",
		Long: `Start a release pipeline: a new release of image N (default: the newest
successful image) with the current config, settings and formation, then its
deployment. It is watched like deploy (Ctrl-C too); exit status 0 when the
release is live.`,
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			var body apiclient.ReleaseRequest
			if cmd.Flags().Changed("image-version") {
				if imageVersion < 1 {
					return usagef("--image-version must be a positive number, not %d", imageVersion)
				}
				body.ImageVersion = &imageVersion
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			r, err := check(a.CreateReleaseWithResponse(s.ctx, ap.id, nil, body))
			if err != nil {
				return err
			}
			started, err := decoded(r.JSON202, "release")
			if err != nil {
				return err
			}
			return s.follow(cmd.OutOrStdout(), a, ap, "Releasing", started.PipelineId, r.Body, noWait, asJSON)
		}),
	}
	c.Flags().IntVar(&imageVersion, "image-version", 0, "the image to release (default: the newest successful one)")
	waitFlags(c, &noWait, &asJSON)
	return c
}

func (s *session) rollbackCmd() *cobra.Command {
	var noWait, asJSON, runReleaseCommand bool
	c := &cobra.Command{
		Use:   "rollback ORG/PROJECT/APP vN [--run-release-command] [--no-wait]",
		Short: "Roll back to release N's image and config, and watch it",
		Long: `Start a rollback pipeline: a new release with release N's image and config,
then its deployment, watched like deploy. The release command is skipped
unless --run-release-command. A rollback pauses auto-deploy (resume it with
slipway settings set APP auto_deploy_paused=false).`,
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP", "vN"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			version, err := parseReleaseVersion(args[1])
			if err != nil {
				return err
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			body := apiclient.RollbackRequest{ReleaseVersion: version}
			if runReleaseCommand {
				body.RunReleaseCommand = &runReleaseCommand
			}
			r, err := check(a.RollbackWithResponse(s.ctx, ap.id, nil, body))
			if err != nil {
				return err
			}
			started, err := decoded(r.JSON202, "rollback")
			if err != nil {
				return err
			}
			return s.follow(cmd.OutOrStdout(), a, ap, "Rolling back", started.PipelineId, r.Body, noWait, asJSON)
		}),
	}
	c.Flags().BoolVar(&runReleaseCommand, "run-release-command", false, "run the release command (skipped by default)")
	waitFlags(c, &noWait, &asJSON)
	return c
}

// parseReleaseVersion reads a release version written vN (or N).
func parseReleaseVersion(arg string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "v"))
	if err != nil || n < 1 {
		return 0, usagef("%q is not a release version (want vN, e.g. v3)", arg)
	}
	return n, nil
}

func (s *session) cancelCmd() *cobra.Command {
	var includeQueued bool
	c := &cobra.Command{
		Use:   "cancel ORG/PROJECT/APP [--include-queued]",
		Short: "Cancel the running pipeline (the live release keeps serving)",
		Long: `Cancel the application's running pipeline: its running stage ends canceled,
a build is stopped, a rollout is reverted; the live release keeps serving.
A queued push then starts, unless --include-queued discards it too. Exit
status 1 when no pipeline is running.`,
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			r, err := check(a.GetPipelineStatusWithResponse(s.ctx, ap.id, nil))
			if err != nil {
				return err
			}
			ps, err := decoded(r.JSON200, "pipeline status")
			if err != nil {
				return err
			}
			if !ps.PipelineActive || ps.PipelineId == nil || *ps.PipelineId == uuid.Nil {
				return &FailedError{Msg: fmt.Sprintf("no pipeline of %s is running", ap.ref)}
			}
			pipeline := *ps.PipelineId
			if err := cancelPipeline(s.ctx, a, ap.id, pipeline, includeQueued); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Canceling pipeline %s of %s\n", pipeline, ap.ref)
			return nil
		}),
	}
	c.Flags().BoolVar(&includeQueued, "include-queued", false, "also discard the queued push")
	return c
}

// cancelPipeline asks the API to cancel pipeline of application appID
// (and its queued push with includeQueued).
func cancelPipeline(ctx context.Context, a *api, appID, pipeline uuid.UUID, includeQueued bool) error {
	var body apiclient.CancelRequest
	if includeQueued {
		body.IncludeQueued = &includeQueued
	}
	_, err := check(a.CancelPipelineWithResponse(ctx, appID, pipeline, nil, body))
	return err
}
