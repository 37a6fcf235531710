package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

func (s *session) deployCmd() *cobra.Command {
	var noWait, asJSON bool
	var commit, ref string
	c := &cobra.Command{
		Use:   "deploy ORG/PROJECT/APP [--commit SHA | --ref REF] [--no-wait]",
		Short: "Build, release and deploy a commit (default: the head of the auto-deploy branch), and watch it",
		Long: `Start the build → release → deploy pipeline and watch it until it ends: the
three stages with their steps and the elapsed time, then the release deployed.
--commit builds that commit (40 hex digits), --ref the head of a branch or tag.
Exit status 0 when the release is live, 1 when the pipeline failed or was
canceled (its error is printed). On a terminal the view redraws in place;
otherwise it prints one plain line per change. Ctrl-C stops watching (the
pipeline goes on); on a terminal it first asks whether to cancel the pipeline.`,
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			var body apiclient.DeployRequest
			switch {
			case commit != "" && ref != "":
				return usagef("--commit and --ref are mutually exclusive")
			case commit != "":
				body.CommitSha = &commit
			case ref != "":
				body.Ref = &ref
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			r, err := check(a.FullDeployWithResponse(s.ctx, ap.id, nil, body))
			if err != nil {
				return err
			}
			started, err := decoded(r.JSON202, "deploy")
			if err != nil {
				return err
			}
			return s.follow(cmd.OutOrStdout(), a, ap, "Deploying", started.PipelineId, r.Body, noWait, asJSON)
		}),
	}
	c.Flags().StringVar(&commit, "commit", "", "build this commit (a full 40-hex SHA)")
	c.Flags().StringVar(&ref, "ref", "", "build the head of this branch or tag")
	waitFlags(c, &noWait, &asJSON)
	return c
}

// waitFlags adds --no-wait and --json to a command that starts a pipeline.
// --json without --no-wait is a usage error, found before anything starts:
// a watched pipeline prints its progress, never JSON.
func waitFlags(c *cobra.Command, noWait, asJSON *bool) {
	c.Flags().BoolVar(noWait, "no-wait", false, "start the pipeline and return")
	c.Flags().BoolVar(asJSON, "json", false, "with --no-wait: print the API's JSON response unchanged")
	args := c.Args
	c.Args = func(cmd *cobra.Command, a []string) error {
		if *asJSON && !*noWait {
			return usagef("--json needs --no-wait (a watched pipeline prints its progress, not JSON)")
		}
		if args == nil {
			return nil
		}
		return args(cmd, a)
	}
}

// follow finishes a command that started pipeline: with noWait it prints
// the pipeline's id (or the API's JSON body), otherwise it watches it.
func (s *session) follow(out io.Writer, a *api, ap *app, verb string, pipeline uuid.UUID, body []byte, noWait, asJSON bool) error {
	if !noWait {
		return s.watch(out, a, ap, verb, pipeline)
	}
	if asJSON {
		return writeJSON(out, body)
	}
	fmt.Fprintf(out, "Started pipeline %s of %s (follow it with `slipway status %s`)\n", pipeline, ap.ref, ap.ref)
	return nil
}

// watch follows pipeline to its end on out, live on a terminal, in plain
// lines otherwise, and returns nil only when its release is deployed. verb
// names what the pipeline does in the title ("Deploying").
func (s *session) watch(out io.Writer, a *api, ap *app, verb string, pipeline uuid.UUID) error {
	title := fmt.Sprintf("%s %s (pipeline %s)", verb, ap.ref, pipeline)
	start := time.Now()
	var res outcome
	var err error
	if isTerminal(out) {
		res, err = s.watchLive(out, title, start, a, ap.id, pipeline)
	} else {
		fmt.Fprintln(out, title)
		p := &plainView{w: out, start: start, last: map[string]string{}}
		logs := s.followLogs(a, ap.id, pipeline, p.logLines)
		res, err = watchPipeline(s.ctx, a, ap.id, pipeline, pollInterval, p.update)
		logs.finish()
	}
	if errors.Is(err, context.Canceled) {
		return &interruptedError{msg: fmt.Sprintf("stopped watching; the pipeline goes on (slipway status %s)", ap.ref)}
	}
	if err != nil {
		return err
	}
	elapsed := shortDuration(time.Since(start))
	if res.OK {
		where := ""
		if u := s.webURL(a, ap.id); u != "" {
			where = " at " + u
		}
		fmt.Fprintf(out, "Deployed %s: release v%d is live%s (%s)\n", ap.ref, res.Release, where, elapsed)
		return nil
	}
	detail := res.Detail
	if detail == "" {
		detail = "no reason given"
	}
	return &FailedError{Msg: fmt.Sprintf("%s of %s %s after %s: %s", res.Stage, ap.ref, statusWord(res.Status), elapsed, detail)}
}

// webURL is the application's web_url once its release is live, "" when
// it has none (no web process) or it cannot be read: the outcome line
// names where the release serves, and a failed read changes nothing else.
func (s *session) webURL(a *api, id uuid.UUID) string {
	r, err := check(a.GetApplicationByIdWithResponse(s.ctx, id, nil))
	if err != nil || r.JSON200 == nil || r.JSON200.WebUrl == nil {
		return ""
	}
	return *r.JSON200.WebUrl
}

// statusWord is a final status as a past participle.
func statusWord(status string) string {
	if status == string(apiclient.DeploymentStatusCanceled) {
		return "was canceled"
	}
	return "failed"
}

// plainView prints one line per change of a stage of the pipeline, and
// the pipeline's log lines as they arrive (indented under a bar).
type plainView struct {
	mu    sync.Mutex // the watch and the log follower both print
	w     io.Writer
	start time.Time
	last  map[string]string
}

func (p *plainView) logLines(lines []logLine) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range lines {
		fmt.Fprintf(p.w, "        | %s  %s\n", l.Source, l.Message)
	}
}

func (p *plainView) update(snap snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range snap.Stages {
		if !v.Ours {
			continue
		}
		state := v.Status + "/" + v.Current
		if p.last[v.Name] == state {
			continue
		}
		p.last[v.Name] = state
		line := fmt.Sprintf("%6s  %-7s v%-3d %s", shortDuration(time.Since(p.start)), v.Name, v.Version, v.Current)
		if v.finished() {
			line += " (" + shortDuration(v.Updated.Sub(v.Started)) + ")"
		}
		if v.failed() && v.Error != "" {
			line += ": " + v.Error
		}
		fmt.Fprintln(p.w, line)
	}
}

// The live view's messages.
type (
	snapMsg snapshot
	doneMsg struct {
		out outcome
		err error
	}
	tickMsg time.Time
	// logMsg carries new lines of the pipeline's log.
	logMsg []logLine
	// cancelMsg is the answer to the request to cancel the pipeline.
	cancelMsg struct{ err error }
)

// liveModel is the bubbletea model of a watched pipeline.
type liveModel struct {
	title    string
	start    time.Time
	now      time.Time
	snap     snapshot
	seen     bool
	frame    int
	done     *doneMsg
	detached bool
	// cancel asks the API to cancel the pipeline; nil when keys are not
	// read (no prompt then).
	cancel func() error
	// asking: ctrl+c was pressed and "cancel the pipeline?" awaits an
	// answer; canceling: the answer was yes; cancelErr: the request failed.
	asking, canceling bool
	cancelErr         error
	// logs are the newest lines of the pipeline's log (liveLogLines).
	logs []logLine
}

// liveLogLines is how many of the newest log lines the live view shows.
const liveLogLines = 8

const tickEvery = 120 * time.Millisecond

func tick() tea.Cmd { return tea.Tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg(t) }) }

func (m liveModel) Init() tea.Cmd { return tick() }

func (m liveModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		m.now, m.frame = time.Time(msg), m.frame+1
		return m, tick()
	case snapMsg:
		m.snap, m.seen = snapshot(msg), true
	case logMsg:
		m.logs = append(m.logs, msg...)
		if over := len(m.logs) - liveLogLines; over > 0 {
			m.logs = append([]logLine(nil), m.logs[over:]...)
		}
	case doneMsg:
		m.done, m.now = &msg, time.Now()
		return m, tea.Quit
	case cancelMsg:
		m.cancelErr = msg.err
		m.canceling = msg.err == nil
	case tea.KeyPressMsg:
		key := msg.String()
		switch {
		case m.asking && (key == "y" || key == "Y"):
			m.asking, m.canceling = false, true
			cancel := m.cancel
			return m, func() tea.Msg { return cancelMsg{err: cancel()} }
		case m.asking, key == "q", key == "ctrl+c" && (m.cancel == nil || m.canceling):
			m.asking, m.detached = false, true
			return m, tea.Quit
		case key == "ctrl+c":
			m.asking = true
		}
	}
	return m, nil
}

var (
	styleTitle   = lipgloss.NewStyle().Bold(true)
	styleCurrent = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6"))
	styleDone    = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	styleFailed  = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1"))
	styleFaint   = lipgloss.NewStyle().Faint(true)
)

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (m liveModel) View() tea.View { return tea.NewView(m.render()) }

// render is the view's text.
func (m liveModel) render() string {
	now := m.now
	if now.IsZero() {
		now = m.start
	}
	var b strings.Builder
	b.WriteString(styleTitle.Render(m.title) + "  " + shortDuration(now.Sub(m.start)) + "\n\n")
	for _, v := range m.snap.Stages {
		b.WriteString("  " + m.stageLine(v) + "\n")
	}
	if !m.seen {
		b.WriteString(styleFaint.Render("  waiting for the pipeline…") + "\n")
	}
	if len(m.logs) > 0 {
		b.WriteString("\n")
		for _, l := range m.logs {
			b.WriteString(styleFaint.Render("  │ "+l.Source) + "  " + l.Message + "\n")
		}
	}
	switch {
	case m.done != nil || m.detached:
	case m.asking:
		b.WriteString("\n  " + styleTitle.Render("cancel the pipeline? [y/N]") + "\n")
	case m.cancelErr != nil:
		b.WriteString("\n  " + styleFailed.Render("canceling failed: "+m.cancelErr.Error()) + "\n")
	case m.canceling:
		b.WriteString(styleFaint.Render("\n  canceling the pipeline…") + "\n")
	case m.cancel != nil:
		b.WriteString(styleFaint.Render("\n  ctrl+c stops watching or cancels the pipeline") + "\n")
	default:
		b.WriteString(styleFaint.Render("\n  ctrl+c stops watching (the pipeline goes on)") + "\n")
	}
	return b.String()
}

// stageLine is one stage: a mark, its name and version, its steps with
// the current one highlighted, and its duration once it ended.
func (m liveModel) stageLine(v stageView) string {
	mark, version := styleFaint.Render("·"), "    "
	if v.Ours {
		version = fmt.Sprintf("v%-3d", v.Version)
		switch {
		case v.failed():
			mark = styleFailed.Render("✗")
		case v.finished():
			mark = styleDone.Render("✓")
		default:
			mark = spinner[m.frame%len(spinner)]
		}
	}
	steps := make([]string, len(v.Steps))
	for i, st := range v.Steps {
		switch {
		case v.Ours && st == v.Current && v.failed():
			steps[i] = styleFailed.Render(st)
		case v.Ours && st == v.Current:
			steps[i] = styleCurrent.Render(st)
		default:
			steps[i] = styleFaint.Render(st)
		}
	}
	if v.Ours && v.failed() && !contains(v.Steps, v.Current) {
		steps = append(steps, styleFailed.Render(v.Current))
	}
	joined := strings.Join(steps, styleFaint.Render(" › "))
	if pad := stepsWidth - lipgloss.Width(joined); pad > 0 {
		joined += strings.Repeat(" ", pad)
	}
	line := fmt.Sprintf("%s %-7s %s %s", mark, v.Name, version, joined)
	if v.Ours && v.finished() {
		line += "  " + shortDuration(v.Updated.Sub(v.Started))
	}
	if v.Ours && v.failed() && v.Error != "" {
		line += "\n            " + styleFailed.Render(v.Error)
	}
	return line
}

// stepsWidth is the column the stages' durations line up at.
const stepsWidth = 32

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// watchLive runs the watch under a bubbletea program that redraws in place.
func (s *session) watchLive(out io.Writer, title string, start time.Time, a *api, appID, pipeline uuid.UUID) (outcome, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	opts := []tea.ProgramOption{tea.WithOutput(out), tea.WithContext(ctx)}
	model := liveModel{title: title, start: start}
	if isTerminal(s.opts.Stdin) {
		opts = append(opts, tea.WithInput(s.opts.Stdin))
		model.cancel = func() error { return cancelPipeline(ctx, a, appID, pipeline, false) }
	} else {
		opts = append(opts, tea.WithInput(nil))
	}
	p := tea.NewProgram(model, opts...)
	go func() {
		logs := s.followLogs(a, appID, pipeline, func(lines []logLine) { p.Send(logMsg(lines)) })
		res, err := watchPipeline(ctx, a, appID, pipeline, pollInterval, func(sn snapshot) { p.Send(snapMsg(sn)) })
		logs.finish()
		p.Send(doneMsg{out: res, err: err})
	}()
	final, err := p.Run()
	cancel()
	if m, ok := final.(liveModel); ok {
		switch {
		case m.detached:
			return outcome{}, context.Canceled
		case m.done != nil:
			return m.done.out, m.done.err
		}
	}
	if err == nil || errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
		err = context.Canceled
	}
	return outcome{}, err
}

func (s *session) statusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "status ORG/PROJECT/APP",
		Short:   "Show the pipeline: each stage's newest (or running) object and its steps",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			ap, ps, err := showApp(s, cmd, args[0], asJSON, "pipeline status", func(a *api, id uuid.UUID) ([]byte, *apiclient.PipelineStatus, error) {
				r, err := check(a.GetPipelineStatusWithResponse(s.ctx, id, nil))
				if err != nil {
					return nil, nil, err
				}
				return r.Body, r.JSON200, nil
			})
			if err != nil || ps == nil {
				return err
			}
			snap, err := readSnapshot(ps, uuid.Nil)
			if err != nil {
				return err
			}
			state := "idle"
			if snap.Active {
				state = "running"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: pipeline %s\n", ap.ref, state)
			if snap.Pipeline != uuid.Nil {
				fmt.Fprintf(cmd.OutOrStdout(), "pipeline %s (%s)\n", snap.Pipeline, snap.Kind)
			}
			if q := snap.Queued; q != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "queued: %s (%s by %s, since %s)\n", q.CommitSha, q.Trigger, q.TriggeredBy, q.Since.UTC().Format(time.RFC3339))
			}
			t := newTable(cmd.OutOrStdout(), "STAGE", "VERSION", "STATUS", "STEP", "STEPS", "TOOK", "ERROR")
			now := time.Now()
			for _, v := range snap.Stages {
				if !v.Present {
					t.row(v.Name, "-", "-", "-", "-", "-", "-")
					continue
				}
				took := shortDuration(now.Sub(v.Started)) + " so far"
				if v.finished() {
					took = shortDuration(v.Updated.Sub(v.Started))
				}
				errText := v.Error
				if errText == "" {
					errText = "-"
				}
				t.row(v.Name, fmt.Sprintf("v%d", v.Version), v.Status, v.Current, strings.Join(v.Steps, " > "), took, errText)
			}
			return t.flush()
		}),
	}
	jsonFlag(c, &asJSON)
	return c
}
