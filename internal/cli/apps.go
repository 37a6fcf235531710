package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// slugRE is the API's slug rule (API.md, "Slugs everywhere").
var slugRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// refNames names the parts of ORG/PROJECT/APP.
var refNames = []string{"ORG", "PROJECT", "APP"}

// parseRef splits "org/project[/app]" into n slugs.
func parseRef(s string, n int) ([]string, error) {
	want := strings.Join(refNames[:n], "/")
	parts := strings.Split(s, "/")
	if len(parts) != n {
		return nil, usagef("%q: want %s", s, want)
	}
	for i, p := range parts {
		if len(p) > 63 || !slugRE.MatchString(p) {
			return nil, usagef("%q: %s %q is not a slug (lower-case letters, digits and inner dashes)", s, refNames[i], p)
		}
	}
	return parts, nil
}

// parseID reads a UUID argument.
func parseID(s, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return id, usagef("%s %q is not an id (a UUID)", what, s)
	}
	return id, nil
}

// app is a resolved application.
type app struct {
	ref  string
	id   uuid.UUID
	obj  *apiclient.Application
	body []byte
}

// resolveApp finds an application named ORG/PROJECT/APP, or by its id:
// one request.
func (s *session) resolveApp(ref string) (*api, *app, error) {
	id, idErr := uuid.Parse(ref)
	var parts []string
	if idErr != nil {
		var err error
		if parts, err = parseRef(ref, 3); err != nil {
			return nil, nil, err
		}
	}
	a, err := s.api()
	if err != nil {
		return nil, nil, err
	}
	var obj *apiclient.Application
	var body []byte
	if idErr == nil {
		r, err := check(a.GetApplicationByIdWithResponse(s.ctx, id, nil))
		if err != nil {
			return a, nil, err
		}
		obj, body = r.JSON200, r.Body
	} else {
		r, err := check(a.GetApplicationWithResponse(s.ctx, parts[0], parts[1], parts[2], nil))
		if err != nil {
			return a, nil, err
		}
		obj, body = r.JSON200, r.Body
	}
	if obj, err = decoded(obj, "application"); err != nil {
		return a, nil, err
	}
	name := obj.OrganizationSlug + "/" + obj.ProjectSlug + "/" + obj.Slug
	return a, &app{ref: name, id: obj.Id, obj: obj, body: body}, nil
}

func (s *session) appsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "apps [list] ORG/PROJECT",
		Short:   "List, create and show applications",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT"),
		RunE:    s.run(func(cmd *cobra.Command, args []string) error { return s.appsList(cmd, args[0], asJSON) }),
	}
	jsonFlag(c, &asJSON)
	var listJSON bool
	list := &cobra.Command{
		Use:   "list ORG/PROJECT",
		Short: "List a project's applications",
		Long: `List a project's applications. DEPLOYED is "yes" when the latest
deployment completed, "incomplete" while it runs or once it failed
(apps info shows which), "never" before the first one.`,
		Args: exactArgs("ORG/PROJECT"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error { return s.appsList(cmd, args[0], listJSON) }),
	}
	jsonFlag(list, &listJSON)
	c.AddCommand(list, s.appsCreateCmd(), s.appsInfoCmd(), s.appsDeleteCmd())
	return c
}

func (s *session) appsList(cmd *cobra.Command, ref string, asJSON bool) error {
	parts, err := parseRef(ref, 2)
	if err != nil {
		return err
	}
	a, err := s.api()
	if err != nil {
		return err
	}
	r, err := check(a.ListApplicationsWithResponse(s.ctx, parts[0], parts[1], nil))
	if err != nil {
		return err
	}
	list, err := shown(cmd.OutOrStdout(), asJSON, r.Body, r.JSON200, "application list")
	if err != nil || list == nil {
		return err
	}
	t := newTable(cmd.OutOrStdout(), "APP", "NAME", "IMAGE", "RELEASE", "DEPLOYED", "CREATED")
	now := time.Now()
	for _, s := range *list {
		t.row(ref+"/"+s.Slug, s.Name, version(s.LatestImageVersion), version(s.LatestReleaseVersion), deployedCell(s.LatestDeploymentComplete), since(s.Created, now))
	}
	return t.flush()
}

// deployedCell is the DEPLOYED column of the application list, from the
// summary's latest_deployment_complete: "yes" (the latest deployment
// completed), "incomplete" (it is running or failed: apps info says
// which), "never" (no deployment yet).
func deployedCell(complete *bool) string {
	switch {
	case complete == nil:
		return "never"
	case *complete:
		return "yes"
	}
	return "incomplete"
}

// version is "v3", or "-" for none.
func version(v *int) string {
	if v == nil {
		return "-"
	}
	return "v" + strconv.Itoa(*v)
}

func (s *session) appsCreateCmd() *cobra.Command {
	var name string
	var asJSON bool
	c := &cobra.Command{
		Use:   "create ORG/PROJECT/APP [--name NAME]",
		Short: "Create an application (organization admin)",
		Args:  exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			parts, err := parseRef(args[0], 3)
			if err != nil {
				return err
			}
			a, err := s.api()
			if err != nil {
				return err
			}
			proj, err := s.findProject(a, parts[0], parts[1])
			if err != nil {
				return err
			}
			if name == "" {
				name = parts[2]
			}
			r, err := check(a.CreateApplicationWithResponse(s.ctx, nil, apiclient.ApplicationCreate{Name: name, Slug: parts[2], ProjectId: proj}))
			if err != nil {
				return err
			}
			return reported(cmd.OutOrStdout(), asJSON, r.Body, "Created application %s", args[0])
		}),
	}
	c.Flags().StringVar(&name, "name", "", "display name (default: the slug)")
	jsonFlag(c, &asJSON)
	return c
}

// findProject is the id of ORG/PROJECT, read from the organization's
// project list page by page.
func (s *session) findProject(a *api, org, project string) (uuid.UUID, error) {
	limit := 100
	var cursor *string
	for {
		r, err := check(a.ListProjectsWithResponse(s.ctx, org, &apiclient.ListProjectsParams{Limit: &limit, Cursor: cursor}))
		if err != nil {
			return uuid.UUID{}, err
		}
		page, err := decoded(r.JSON200, "project list")
		if err != nil {
			return uuid.UUID{}, err
		}
		for _, p := range page.Items {
			if p.Slug == project {
				return p.Id, nil
			}
		}
		if !page.Pagination.HasMore || page.Pagination.NextCursor == nil {
			return uuid.UUID{}, &APIError{Status: 404, Problem: apiclient.Problem{Code: "not_found", Status: 404,
				Detail: ptr(fmt.Sprintf("no project %s/%s", org, project))}}
		}
		cursor = page.Pagination.NextCursor
	}
}

func ptr[T any](v T) *T { return &v }

func (s *session) appsInfoCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "info ORG/PROJECT/APP|ID",
		Short: "Show an application: settings, formation, latest image, release and deployment",
		Args:  exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			_, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), ap.body)
			}
			return writeAppInfo(cmd.OutOrStdout(), ap.ref, ap.obj, time.Now())
		}),
	}
	jsonFlag(c, &asJSON)
	return c
}

// writeAppInfo prints an application for people.
func writeAppInfo(w io.Writer, ref string, o *apiclient.Application, now time.Time) error {
	t := newTable(w, "=== "+ref, "")
	t.row("id", o.Id.String())
	t.row("name", o.Name)
	t.row("repository", orDash(o.GithubRepository))
	t.row("branch", orDash(o.AutoDeployBranch))
	t.row("subdirectory", orDash(o.Subdirectory))
	t.row("installation", orDash(o.GithubAppInstallationId))
	t.row("health check", o.HealthCheckPath+" (host "+orDash(o.HealthCheckHost)+")")
	t.row("deploy timeout", orDash(o.DeploymentTimeout)+"s")
	t.row("processes", formation(o.ProcessCounts, o.ProcessPodClasses))
	t.row("web url", orDash(o.WebUrl))
	if im := o.LatestImage; im != nil {
		t.row("latest image", fmt.Sprintf("v%d %s %s (%s)", im.Version, im.Status, orDash(im.CommitSha), since(im.Created, now)))
	}
	if rel := o.LatestRelease; rel != nil {
		t.row("latest release", fmt.Sprintf("v%d %s, image v%d (%s)", rel.Version, rel.Status, rel.ImageVersion, since(rel.Created, now)))
	}
	if d := o.LatestDeployment; d != nil {
		t.row("latest deploy", fmt.Sprintf("release v%d %s (%s)", d.ReleaseVersion, d.Status, since(d.Created, now)))
		if d.ErrorDetail != nil {
			t.row("", *d.ErrorDetail)
		}
	}
	t.row("created", since(o.Created, now))
	return t.flush()
}

// formation is "web=2:c1.medium worker=1", sorted by process.
func formation(counts apiclient.ProcessCounts, classes apiclient.ProcessPodClasses) string {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	for n := range classes {
		if _, ok := counts[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "-"
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%s=%d", n, counts[n])
		if c, ok := classes[n]; ok {
			out[i] += ":" + string(c)
		}
	}
	return strings.Join(out, " ")
}

func (s *session) settingsCmd() *cobra.Command {
	c := &cobra.Command{Use: "settings", Short: "Change an application's settings", GroupID: "apps"}
	var asJSON bool
	var unset []string
	set := &cobra.Command{
		Use:   "set ORG/PROJECT/APP [KEY=VALUE...] [--unset KEY]...",
		Short: "Set settings (github_repository, auto_deploy_branch, deployment_timeout, …)",
		Long: `Set settings of an application. Keys are the API's settings fields:
github_repository, auto_deploy_branch, subdirectory, github_app_installation_id,
deployment_timeout, health_check_path, health_check_host, github_environment_name,
github_repository_is_private, auto_deploy_paused. Numbers and true/false are
sent as such. KEY=null (or --unset KEY) clears a field: the API's default
applies again (a field that cannot be cleared is refused, naming it).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(unset) > 0 {
				return minArgs("ORG/PROJECT/APP")(cmd, args)
			}
			return minArgs("ORG/PROJECT/APP", "KEY=VALUE")(cmd, args)
		},
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			pairs := args[1:]
			for _, k := range unset {
				pairs = append(pairs, k+"=null")
			}
			body, err := parseSettings(pairs)
			if err != nil {
				return err
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			r, err := check(a.UpdateApplicationSettingsWithBodyWithResponse(s.ctx, ap.id, nil, "application/json", bytes.NewReader(body)))
			if err != nil {
				return err
			}
			return reported(cmd.OutOrStdout(), asJSON, r.Body, "Updated %s", ap.ref)
		}),
	}
	set.Flags().StringArrayVar(&unset, "unset", nil, "clear this setting (KEY=null does the same); repeatable")
	jsonFlag(set, &asJSON)
	c.AddCommand(set)
	return c
}

// parseSettings reads KEY=VALUE pairs into the settings merge patch, a
// JSON object: KEY=null is JSON null, which clears the field (the API
// refuses it, naming the field, where the field cannot be cleared); an
// unknown key or a value of the wrong type is a usage error naming it. The
// generated SettingsPatch checks keys and types but cannot hold a null, so
// the body is built beside it.
func parseSettings(pairs []string) ([]byte, error) {
	patch := map[string]json.RawMessage{}
	for _, p := range pairs {
		key, val, ok := strings.Cut(p, "=")
		if !ok || key == "" {
			return nil, usagef("%q: want KEY=VALUE", p)
		}
		// null, true, false and digits are tried as JSON literals first
		// (a clear, booleans and numbers), then as a string: a branch named
		// 2024 is a branch.
		raws := [][]byte{mustJSON(val)}
		if val == "null" || val == "true" || val == "false" || (val != "" && strings.Trim(val, "0123456789") == "" && json.Valid([]byte(val))) {
			raws = [][]byte{[]byte(val), mustJSON(val)}
		}
		var err error
		for _, raw := range raws {
			if err = decodeSetting(key, raw); err == nil {
				patch[key] = raw
				break
			}
		}
		if err != nil {
			if strings.Contains(err.Error(), "unknown field") {
				return nil, usagef("%q: unknown setting %q", p, key)
			}
			return nil, usagef("%q: %s has the wrong type%s", p, key, wantedType(err))
		}
	}
	return json.Marshal(patch)
}

// decodeSetting checks one setting, raw JSON, against the generated
// settings patch: its key and its type.
func decodeSetting(key string, raw []byte) error {
	var patch apiclient.SettingsPatch
	dec := json.NewDecoder(bytes.NewReader([]byte(`{` + string(mustJSON(key)) + `:` + string(raw) + `}`)))
	dec.DisallowUnknownFields()
	return dec.Decode(&patch)
}

// wantedType says what a setting of the wrong type wants, from the JSON
// type error: ": want true or false" or ": want a whole number".
func wantedType(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Type == nil {
		return ""
	}
	switch te.Type.Kind() {
	case reflect.Bool:
		return ": want true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ": want a whole number"
	}
	return ""
}

func mustJSON(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

func (s *session) scaleCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "scale ORG/PROJECT/APP PROCESS=N[:PODCLASS]...",
		Short:   "Set process counts and pod classes (web=2:c1.medium worker=1)",
		GroupID: "apps",
		Args:    minArgs("ORG/PROJECT/APP", "PROCESS=N"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			req, err := parseScale(args[1:])
			if err != nil {
				return err
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			r, err := check(a.ScaleApplicationWithResponse(s.ctx, ap.id, nil, req))
			if err != nil {
				return err
			}
			o, err := shown(cmd.OutOrStdout(), asJSON, r.Body, r.JSON200, "application")
			if err != nil || o == nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Scaled %s: %s\n", ap.ref, formation(o.ProcessCounts, o.ProcessPodClasses))
			return nil
		}),
	}
	jsonFlag(c, &asJSON)
	return c
}

// parseScale reads PROCESS=N[:PODCLASS] (or PROCESS=:PODCLASS) pairs.
func parseScale(pairs []string) (apiclient.ScaleRequest, error) {
	counts, classes := apiclient.ProcessCounts{}, apiclient.ProcessPodClasses{}
	for _, p := range pairs {
		name, spec, ok := strings.Cut(p, "=")
		if !ok || name == "" || spec == "" {
			return apiclient.ScaleRequest{}, usagef("%q: want PROCESS=N[:PODCLASS]", p)
		}
		n, class, hasClass := strings.Cut(spec, ":")
		if n != "" {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return apiclient.ScaleRequest{}, usagef("%q: the count %q is not a number of 0 or more", p, n)
			}
			counts[name] = v
		}
		if hasClass {
			if class == "" {
				return apiclient.ScaleRequest{}, usagef("%q: empty pod class", p)
			}
			classes[name] = apiclient.PodClass(class)
		}
	}
	var req apiclient.ScaleRequest
	if len(counts) > 0 {
		req.ProcessCounts = &counts
	}
	if len(classes) > 0 {
		req.ProcessPodClasses = &classes
	}
	return req, nil
}

func (s *session) deploymentsCmd() *cobra.Command {
	return appPageCmd(s, &cobra.Command{
		Use:     "deployments ORG/PROJECT/APP",
		Short:   "List an application's deployments, newest first",
		GroupID: "apps",
	}, "deployment list", []string{"RELEASE", "IMAGE", "STATUS", "TRIGGER", "BY", "COMMIT", "DURATION", "CREATED", "ERROR"},
		func(a *api, id uuid.UUID, limit *int, cursor *string) ([]byte, *apiclient.DeploymentPage, error) {
			r, err := check(a.ListDeploymentsWithResponse(s.ctx, id, &apiclient.ListDeploymentsParams{Limit: limit, Cursor: cursor}))
			if err != nil {
				return nil, nil, err
			}
			return r.Body, r.JSON200, nil
		},
		func(t *table, p *apiclient.DeploymentPage, now time.Time) *string {
			for _, d := range p.Items {
				dur := "-"
				if d.DurationSecs != nil {
					dur = fmt.Sprintf("%.0fs", *d.DurationSecs)
				}
				commit := orDash(d.CommitSha)
				if len(commit) > 12 {
					commit = commit[:12]
				}
				t.row(fmt.Sprintf("v%d", d.ReleaseVersion), fmt.Sprintf("v%d", d.ImageVersion), string(d.Status), string(d.Trigger),
					orDash(d.TriggeredBy), commit, dur, since(d.Created, now), orDash(d.ErrorDetail))
			}
			return p.Pagination.NextCursor
		})
}
