package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// jsonFlag adds --json to a read command.
func jsonFlag(c *cobra.Command, v *bool) {
	c.Flags().BoolVar(v, "json", false, "print the API's JSON response unchanged")
}

// writeJSON prints an API response body as the API sent it.
func writeJSON(w io.Writer, body []byte) error {
	body = bytes.TrimRight(body, "\n")
	_, err := fmt.Fprintf(w, "%s\n", body)
	return err
}

// reported finishes a command that changed something: with asJSON the
// API's body unchanged, else one line, format with args.
func reported(w io.Writer, asJSON bool, body []byte, format string, args ...any) error {
	if asJSON {
		return writeJSON(w, body)
	}
	fmt.Fprintf(w, format+"\n", args...)
	return nil
}

// table writes aligned columns; no line ends in padding.
type table struct {
	tw  *tabwriter.Writer
	buf bytes.Buffer
	out io.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{out: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }

// flush aligns the rows and writes them, each line without the padding a
// trailing empty cell leaves (the "=== ORG/PROJECT/APP" title of apps info).
func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	lines := strings.SplitAfter(t.buf.String(), "\n")
	t.buf.Reset()
	var b strings.Builder
	for _, l := range lines {
		body, nl := strings.CutSuffix(l, "\n")
		b.WriteString(strings.TrimRight(body, " "))
		if nl {
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(t.out, b.String())
	return err
}

// moreHint tells, on stderr, how to read the next page of a list.
func moreHint(w io.Writer, next *string) {
	if next != nil && *next != "" {
		fmt.Fprintf(w, "(more: --cursor %s)\n", *next)
	}
}

// isTerminal reports whether the stream (a reader or a writer) is a
// terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// orDash is *p, or "-" when p is nil or empty.
func orDash[T any](p *T) string {
	if p == nil {
		return "-"
	}
	s := fmt.Sprint(*p)
	if s == "" {
		return "-"
	}
	return s
}

// since is a timestamp as an age ("3m ago").
func since(t, now time.Time) string { return shortDuration(now.Sub(t)) + " ago" }

// shortDuration is d rounded for people: 45s, 3m12s, 2h5m, 3d4h.
func shortDuration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}
