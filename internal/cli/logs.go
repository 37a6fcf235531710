package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// followWait is the long poll of a followed log: the API holds each
// request up to this many seconds until new lines arrive.
const followWait = 20

// logLine is one line of either log as the CLI prints it.
type logLine struct {
	Time time.Time
	// Source is the stage of a pipeline line, "process/instance vN" of a
	// runtime line.
	Source  string
	Message string
}

func (l logLine) String() string {
	return l.Time.UTC().Format("15:04:05.000") + "  " + l.Source + "  " + l.Message
}

// pipelineLogPage reads one answer of a pipeline's log after cursor ("":
// the start), waiting up to wait seconds for lines.
func pipelineLogPage(ctx context.Context, a *api, appID, pipeline uuid.UUID, stage, cursor string, wait int) ([]logLine, string, bool, []byte, error) {
	params := &apiclient.GetPipelineLogsParams{Wait: &wait}
	if stage != "" {
		st := apiclient.GetPipelineLogsParamsStage(stage)
		params.Stage = &st
	}
	if cursor != "" {
		params.Cursor = &cursor
	}
	r, err := check(a.GetPipelineLogsWithResponse(ctx, appID, pipeline, params))
	if err != nil {
		return nil, "", false, nil, err
	}
	body, err := decoded(r.JSON200, "pipeline logs")
	if err != nil {
		return nil, "", false, nil, err
	}
	lines := make([]logLine, len(body.Lines))
	for i, l := range body.Lines {
		lines[i] = logLine{Time: l.Timestamp, Source: fmt.Sprintf("%-7s", l.Stage), Message: l.Message}
	}
	return lines, body.NextCursor, body.Complete, r.Body, nil
}

// followPipelineLog calls emit with the pipeline's lines as they arrive,
// one long poll at a time from *cursor (kept up to date), until the log is
// complete or ctx ends. A failed read is retried up to maxTransient times
// in a row.
func followPipelineLog(ctx context.Context, a *api, appID, pipeline uuid.UUID, cursor *string, emit func([]logLine)) error {
	transient := 0
	for ctx.Err() == nil {
		lines, next, complete, _, err := pipelineLogPage(ctx, a, appID, pipeline, "", *cursor, followWait)
		if err != nil {
			if transient++; transient > maxTransient || ctx.Err() != nil {
				return err
			}
			if sleep(ctx, pollInterval) != nil {
				return ctx.Err()
			}
			continue
		}
		transient, *cursor = 0, next
		if len(lines) > 0 {
			emit(lines)
		}
		if complete {
			return nil
		}
	}
	return ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *session) logsCmd() *cobra.Command {
	var pipeline, process, stage, since string
	var follow, asJSON bool
	c := &cobra.Command{
		Use:   "logs ORG/PROJECT/APP [--pipeline ID [--stage S]] [--process P] [--since 15m] [-f]",
		Short: "Print a pipeline's log (--pipeline) or the application's runtime log",
		Long: `With --pipeline, the pipeline's build, release-command and rollout lines
(--stage build|release|deploy for one stage); -f follows a running pipeline
until it ends. Without it, the lines the application's processes wrote
(--process for one process) over --since (1m to 7d, default 15m); -f keeps
following them until Ctrl-C (exit 130). Following holds one long-poll request at a time
(20 s each), never polls in a loop. Secret config values appear as ***.
--json prints each answer of the API unchanged, one per line.`,
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			if pipeline == "" && stage != "" {
				return usagef("--stage needs --pipeline")
			}
			if pipeline != "" && (process != "" || cmd.Flags().Changed("since")) {
				return usagef("--process and --since are for the runtime log, not --pipeline")
			}
			var pid uuid.UUID
			if pipeline != "" {
				var err error
				if pid, err = uuid.Parse(pipeline); err != nil {
					return usagef("--pipeline %q: want a pipeline id (slipway status shows it)", pipeline)
				}
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			if process != "" {
				if err := knownProcess(ap, process); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			var err2 error
			if pipeline != "" {
				err2 = s.printPipelineLog(out, a, ap.id, pid, stage, follow, asJSON)
			} else {
				err2 = s.printRuntimeLog(out, a, ap.id, process, since, follow, asJSON)
			}
			if errors.Is(err2, context.Canceled) {
				// Ctrl-C ends a follow, as an interrupt (exit 130).
				return &interruptedError{msg: "interrupted: stopped reading the log"}
			}
			return err2
		}),
	}
	c.Flags().StringVar(&pipeline, "pipeline", "", "the pipeline whose log to print (its id)")
	c.Flags().StringVar(&stage, "stage", "", "with --pipeline: only this stage (build, release or deploy)")
	c.Flags().StringVar(&process, "process", "", "only this process's runtime lines")
	c.Flags().StringVar(&since, "since", "15m", "how far back the runtime log starts (1m to 7d)")
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines as they arrive")
	jsonFlag(c, &asJSON)
	return c
}

// knownProcess checks a --process against the application's processes:
// those of its newest release and of its formation (the application object
// lists both, no extra request). A name neither has is a usage error naming
// the known processes; before the first release every name passes.
func knownProcess(ap *app, process string) error {
	rel := ap.obj.LatestRelease
	if rel == nil {
		return nil
	}
	known := map[string]bool{}
	for n := range rel.Processes {
		known[n] = true
	}
	for n := range ap.obj.ProcessCounts {
		known[n] = true
	}
	if known[process] {
		return nil
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	sort.Strings(names)
	list := strings.Join(names, ", ")
	if list == "" {
		list = "none"
	}
	return usagef("--process %q: release v%d of %s has no such process (its processes: %s)", process, rel.Version, ap.ref, list)
}

func (s *session) printPipelineLog(out io.Writer, a *api, appID, pipeline uuid.UUID, stage string, follow, asJSON bool) error {
	cursor := ""
	for {
		wait := 0
		if follow && cursor != "" {
			wait = followWait
		}
		lines, next, complete, body, err := pipelineLogPage(s.ctx, a, appID, pipeline, stage, cursor, wait)
		if err != nil {
			return err
		}
		if asJSON {
			if err := writeJSON(out, body); err != nil {
				return err
			}
		}
		for _, l := range lines {
			if !asJSON {
				fmt.Fprintln(out, l)
			}
		}
		cursor = next
		if complete || (!follow && len(lines) == 0) {
			return nil
		}
	}
}

func (s *session) printRuntimeLog(out io.Writer, a *api, appID uuid.UUID, process, since string, follow, asJSON bool) error {
	params := &apiclient.GetRuntimeLogsParams{Since: &since}
	if process != "" {
		params.Process = &process
	}
	for {
		r, err := check(a.GetRuntimeLogsWithResponse(s.ctx, appID, params))
		if err != nil {
			return err
		}
		body, err := decoded(r.JSON200, "runtime logs")
		if err != nil {
			return err
		}
		if asJSON {
			if err := writeJSON(out, r.Body); err != nil {
				return err
			}
		} else {
			for _, l := range body.Lines {
				src := l.Process + "/" + l.Instance
				if l.ReleaseVersion != nil {
					src += fmt.Sprintf(" v%d", *l.ReleaseVersion)
				}
				fmt.Fprintln(out, logLine{Time: l.Timestamp, Source: src, Message: l.Message})
			}
		}
		if !follow && len(body.Lines) < maxLogAnswer {
			return nil
		}
		cursor, wait := body.NextCursor, 0
		if follow {
			wait = followWait
		}
		params = &apiclient.GetRuntimeLogsParams{Cursor: &cursor, Wait: &wait, Process: params.Process}
	}
}

// maxLogAnswer is the most lines one answer holds (the API's bound): a
// full answer may have more behind it.
const maxLogAnswer = 500

// logFollower follows a watched pipeline's log beside the watch.
type logFollower struct {
	ctx    context.Context
	a      *api
	app    uuid.UUID
	pipe   uuid.UUID
	emit   func([]logLine)
	cursor string
	cancel context.CancelFunc
	done   chan struct{}
}

// logDrain bounds the reads of a log's last lines once the watch ended.
const logDrain = 3 * time.Second

// followLogs starts following the pipeline's log, calling emit with each
// batch of lines; a log that cannot be read is left out of the view (the
// watch reports the pipeline's outcome either way).
func (s *session) followLogs(a *api, appID, pipeline uuid.UUID, emit func([]logLine)) *logFollower {
	ctx, cancel := context.WithCancel(s.ctx)
	f := &logFollower{ctx: s.ctx, a: a, app: appID, pipe: pipeline, emit: emit, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		_ = followPipelineLog(ctx, a, appID, pipeline, &f.cursor, emit)
	}()
	return f
}

// finish ends the long poll under way and reads the lines the pipeline
// wrote last, without waiting, until the log is complete or has nothing
// more (within logDrain).
func (f *logFollower) finish() {
	f.cancel()
	<-f.done
	ctx, cancel := context.WithTimeout(f.ctx, logDrain)
	defer cancel()
	for ctx.Err() == nil {
		lines, next, complete, _, err := pipelineLogPage(ctx, f.a, f.app, f.pipe, "", f.cursor, 0)
		if err != nil {
			return
		}
		f.cursor = next
		if len(lines) > 0 {
			f.emit(lines)
		}
		if complete || len(lines) == 0 {
			return
		}
	}
}
