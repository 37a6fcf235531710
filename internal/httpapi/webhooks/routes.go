package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// MaxBody is the largest delivery accepted (GitHub caps payloads at 25 MB;
// pushes that large are truncated by GitHub long before).
const MaxBody = 10 << 20

// Store is what webhook processing reads and writes.
type Store interface {
	pipeline.Store
	platform.Webhooks
	platform.Installations
	UpdateApplication(ctx context.Context, id string, ifVersion int64, mutate func(*platform.Application) error) (platform.Application, error)
}

// SecretSource returns the webhook secret; an empty secret refuses every
// delivery.
type SecretSource func(ctx context.Context) ([]byte, error)

// Deps are the group's dependencies.
type Deps struct {
	Store  Store
	Secret SecretSource
	// Launcher starts and queues push pipelines (its Store must be the
	// same store).
	Launcher *pipeline.Launcher
	Now      func() time.Time
}

type api struct{ Deps }

// Routes returns the group's routes.
func Routes(d Deps) []httpapi.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Launcher == nil {
		d.Launcher = &pipeline.Launcher{Store: d.Store, Now: d.Now}
	}
	d.Launcher = d.Launcher.WithDefaults()
	a := api{d}
	return []httpapi.Route{
		{Method: "POST", Pattern: "/webhooks/github", Public: true, MaxBody: MaxBody, Handle: a.github},
	}
}

func (a api) github(w http.ResponseWriter, r *http.Request) error {
	secret, err := a.Secret(r.Context())
	if err != nil {
		return platform.Unavailable(fmt.Errorf("reading the webhook secret: %w", err))
	}
	body := httpapi.Body(r)
	if err := github.VerifySignature(secret, body, r.Header.Get("X-Hub-Signature-256")); err != nil {
		detail := "the delivery's X-Hub-Signature-256 is invalid"
		switch {
		case errors.Is(err, github.ErrNoSecret):
			detail = "no webhook secret is configured: every delivery is refused"
		case errors.Is(err, github.ErrSignatureMissing):
			detail = "the delivery has no X-Hub-Signature-256 header"
		}
		return platform.Errorf(platform.CodeUnauthorized, "%s", detail)
	}
	event, guid := r.Header.Get("X-GitHub-Event"), r.Header.Get("X-GitHub-Delivery")
	if event == "" || guid == "" || len(guid) > 100 {
		return platform.Errorf(platform.CodeBadRequest, "X-GitHub-Event and X-GitHub-Delivery are required")
	}
	switch event {
	case "ping":
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
		return nil
	case "push", "installation", "installation_repositories":
	default:
		httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"ok": true, "ignored": "event " + event + " is not used"})
		return nil
	}
	ev, err := parse(event, body)
	if err != nil {
		return err // refused before any claim: a corrected redelivery runs
	}
	delivery, claimed, err := a.Store.ClaimDelivery(r.Context(), guid, event, a.Now().UTC())
	if err != nil {
		return err
	}
	switch {
	case !claimed && delivery.Done:
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "duplicate": true, "delivery": guid})
		return nil
	case !claimed:
		return platform.Errorf(platform.CodeUnavailable, "delivery %s is being processed by another request; retry shortly", guid)
	}
	outcomes, err := a.process(r.Context(), ev, delivery)
	if err == nil {
		err = a.Store.CompleteDelivery(r.Context(), guid)
	}
	if err != nil {
		// Give the claim up so that GitHub's redelivery finishes the work
		// at once; what was done is recorded and is not done twice.
		if relErr := a.Store.ReleaseDelivery(context.WithoutCancel(r.Context()), guid, delivery.ClaimedAt); relErr != nil {
			slog.ErrorContext(r.Context(), "releasing a webhook delivery", "delivery", guid, "error", relErr.Error())
		}
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "delivery": guid, "applications": outcomes})
	return nil
}

// parse decodes a delivery's payload by its event; an unusable payload is
// a validation error naming the field at fault when there is one.
func parse(event string, body []byte) (any, error) {
	var ev any
	var err error
	switch event {
	case "push":
		ev, err = github.ParsePush(body)
	case "installation":
		ev, err = github.ParseInstallation(body)
	default: // installation_repositories
		ev, err = github.ParseInstallationRepositories(body)
	}
	var pe *github.PayloadError
	if errors.As(err, &pe) && pe.Field != "" {
		return nil, platform.Invalid(pe.Field, pe.Err.Error())
	}
	if err != nil {
		return nil, platform.Invalid("body", err.Error())
	}
	return ev, nil
}

func (a api) process(ctx context.Context, event any, d platform.Delivery) (map[string]string, error) {
	switch ev := event.(type) {
	case *github.PushEvent:
		return a.push(ctx, ev, d)
	case *github.InstallationEvent:
		if ev.Action != "deleted" {
			return map[string]string{}, nil
		}
		return a.uninstalled(ctx, ev.Installation.ID)
	case *github.InstallationRepositoriesEvent:
		outcomes := map[string]string{}
		if ev.Action != "removed" {
			return outcomes, nil
		}
		for _, repo := range ev.RepositoriesRemoved {
			apps, err := a.Store.ApplicationsForRepository(ctx, repo.FullName)
			if err != nil {
				return nil, err
			}
			done, err := a.disconnect(ctx, apps, ev.Installation.ID)
			if err != nil {
				return nil, err
			}
			for k, v := range done {
				outcomes[k] = v
			}
		}
		return outcomes, nil
	}
	return nil, fmt.Errorf("webhooks: no processing for %T", event)
}

// uninstalled handles the App's removal from an account: the
// installation's applications lose it, then its organization's link goes.
func (a api) uninstalled(ctx context.Context, installationID int64) (map[string]string, error) {
	apps, err := a.Store.ApplicationsForInstallation(ctx, installationID)
	if err != nil {
		return nil, err
	}
	outcomes, err := a.disconnect(ctx, apps, installationID)
	if err != nil {
		return nil, err
	}
	in, err := a.Store.GetInstallation(ctx, installationID)
	if platform.IsCode(err, platform.CodeNotFound) {
		return outcomes, nil
	}
	if err == nil {
		err = a.Store.UnlinkInstallation(ctx, in.OrganizationSlug, installationID)
	}
	if err != nil && !platform.IsCode(err, platform.CodeNotFound) {
		return nil, err
	}
	return outcomes, nil
}

// disconnect clears the installation from the applications that use it.
func (a api) disconnect(ctx context.Context, apps []platform.Application, installationID int64) (map[string]string, error) {
	cleared, err := platform.ClearInstallation(ctx, a.Store, apps, "", installationID)
	if err != nil {
		return nil, err
	}
	outcomes := map[string]string{}
	for _, id := range cleared {
		outcomes[id] = fmt.Sprintf("github_app_installation_id %d cleared", installationID)
	}
	return outcomes, nil
}

func (a api) push(ctx context.Context, push *github.PushEvent, d platform.Delivery) (map[string]string, error) {
	outcomes := map[string]string{}
	branch, isBranch := push.Branch()
	if !isBranch || push.IsBranchDeletion() {
		return outcomes, nil
	}
	apps, err := a.Store.ApplicationsForPush(ctx, push.Repository.FullName, branch)
	if err != nil {
		return nil, err
	}
	for _, app := range apps {
		if !push.DeliveredTo(app.GithubAppInstallationID) {
			// Another organization's application on the same repository (or
			// one without an installation): the push is not its to deploy,
			// and its id does not appear in the answer.
			continue
		}
		if done, ok := d.Outcomes[app.ID]; ok { // a redelivery: this one is done
			outcomes[app.ID] = done
			continue
		}
		outcome, err := a.deployForPush(ctx, app, push, d)
		if err != nil {
			return nil, err
		}
		if err := a.Store.RecordDeliveryOutcome(ctx, d.GUID, app.ID, outcome); err != nil {
			return nil, err
		}
		outcomes[app.ID] = outcome
	}
	return outcomes, nil
}

func (a api) deployForPush(ctx context.Context, app platform.Application, push *github.PushEvent, d platform.Delivery) (string, error) {
	if sub := app.Subdirectory; sub != nil && !push.TouchesPath(*sub) {
		return fmt.Sprintf("skipped: no changed file under %s", *sub), nil
	}
	pusher := push.Pusher.Name
	if pusher == "" {
		pusher = push.Sender.Login
	}
	res, err := a.Launcher.Push(ctx, app.ID, platform.PipelineRequest{
		Trigger: platform.TriggerAuto, TriggeredBy: pusher, CommitSHA: push.After, ImageID: pipelineID(d, app.ID), DeliveryID: d.GUID,
	})
	var pe *platform.Error
	switch {
	case err == nil && res.Skipped != "":
		return "skipped: " + res.Skipped, nil
	case err == nil:
		if q := res.Replaced; q != nil && q.DeliveryID != "" && q.DeliveryID != d.GUID {
			superseded := fmt.Sprintf("superseded: queued commit %s was replaced by %s before it started", short(q.CommitSHA), short(push.After))
			if err := a.Store.RecordDeliveryOutcome(ctx, q.DeliveryID, app.ID, superseded); err != nil {
				return "", err
			}
		}
		if res.Queued {
			return "queued", nil
		}
		return "started " + res.Started.PipelineID, nil
	case errors.As(err, &pe) && pe.Code == platform.CodeInvalid:
		return "skipped: " + err.Error(), nil
	case errors.As(err, &pe) && pe.Code == platform.CodeNotFound:
		return "skipped: the application was deleted", nil
	}
	return "", err
}

// short is a commit's abbreviation.
func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// pipelineID names the pipeline a delivery starts for an application: the
// same on every redelivery, so a retry finds the pipeline it started. It
// is a UUIDv7 of the delivery's first reception, its other bits from both
// ids.
func pipelineID(d platform.Delivery, appID string) string {
	return platform.DerivedID(d.Received, "slipway-push", d.GUID, appID)
}
