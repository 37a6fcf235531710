package cli

import (
	"fmt"
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
	"github.com/spf13/cobra"
)

// sparkBars are the eight heights of a sparkline.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// chartWidth is the most columns a sparkline takes.
const chartWidth = 60

// sparkline draws values (nil: no data, drawn as a space) in at most width
// columns: consecutive points are averaged into one column, the lowest
// value is the lowest bar and the highest the highest.
func sparkline(values []*float64, width int) string {
	cols := downsample(values, width)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range cols {
		if v != nil {
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
		}
	}
	var b strings.Builder
	for _, v := range cols {
		switch {
		case v == nil:
			b.WriteRune(' ')
		case hi == lo:
			if hi == 0 {
				b.WriteRune(sparkBars[0])
			} else {
				b.WriteRune(sparkBars[len(sparkBars)/2])
			}
		default:
			i := int(math.Round((*v - lo) / (hi - lo) * float64(len(sparkBars)-1)))
			b.WriteRune(sparkBars[i])
		}
	}
	return b.String()
}

// downsample averages values into at most width columns, keeping the
// order; a column with no data is nil.
func downsample(values []*float64, width int) []*float64 {
	if width <= 0 || len(values) <= width {
		return values
	}
	out := make([]*float64, width)
	for c := range out {
		from, to := c*len(values)/width, (c+1)*len(values)/width
		sum, n := 0.0, 0
		for _, v := range values[from:to] {
			if v != nil {
				sum += *v
				n++
			}
		}
		if n > 0 {
			avg := sum / float64(n)
			out[c] = &avg
		}
	}
	return out
}

// series summarises values: the last one with data and the highest.
func series(values []*float64) (last, peak *float64) {
	for _, v := range values {
		if v == nil {
			continue
		}
		last = v
		if peak == nil || *v > *peak {
			peak = v
		}
	}
	return last, peak
}

func (s *session) metricsCmd() *cobra.Command {
	var asJSON bool
	var n int
	c := &cobra.Command{
		Use:     "metrics ORG/PROJECT/APP [--range N]",
		Short:   "Pipeline metrics: success rate, durations and their history per stage",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			var params apiclient.GetPipelineMetricsParams
			if cmd.Flags().Changed("range") {
				params.Range = &n
			}
			ap, m, err := showApp(s, cmd, args[0], asJSON, "pipeline metrics", func(a *api, id uuid.UUID) ([]byte, *apiclient.PipelineMetrics, error) {
				r, err := check(a.GetPipelineMetricsWithResponse(s.ctx, id, &params))
				if err != nil {
					return nil, nil, err
				}
				return r.Body, r.JSON200, nil
			})
			if err != nil || m == nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: the newest %d of each stage\n", ap.ref, m.Range)
			t := newTable(cmd.OutOrStdout(), metricsHeader...)
			for i, sm := range []apiclient.StageMetrics{m.Build, m.Release, m.Deploy} {
				t.row(metricsRow(stageNames[i], sm)...)
			}
			return t.flush()
		}),
	}
	c.Flags().IntVar(&n, "range", 50, "how many of the newest objects of each stage (1-200)")
	jsonFlag(c, &asJSON)
	return c
}

// metricsHeader heads the metrics table: a finished object is ok, failed
// or canceled (the API counts total, success and error).
var metricsHeader = []string{"STAGE", "TOTAL", "OK", "FAILED", "CANCELED", "SUCCESS", "AVG", "P50", "P95", "HISTORY (secs, oldest first; ✗ failed or canceled)"}

// metricsRow is one stage's row of the metrics table.
func metricsRow(stage string, sm apiclient.StageMetrics) []string {
	return []string{stage, fmt.Sprint(sm.Total), fmt.Sprint(sm.Success), fmt.Sprint(sm.Error), fmt.Sprint(sm.Total - sm.Success - sm.Error),
		pct(sm.SuccessRate), secs(sm.AvgSecs), secs(sm.P50Secs), secs(sm.P95Secs), historyLine(sm.History)}
}

// historyLine is a sparkline of durations, failures drawn as ✗.
func historyLine(h []apiclient.StageHistoryEntry) string {
	if len(h) == 0 {
		return "-"
	}
	if len(h) > chartWidth {
		h = h[len(h)-chartWidth:]
	}
	values := make([]*float64, len(h))
	for i, e := range h {
		if e.Ok {
			v := float64(e.Secs)
			values[i] = &v
		}
	}
	line := []rune(sparkline(values, 0))
	for i, e := range h {
		if !e.Ok {
			line[i] = '✗'
		}
	}
	return string(line)
}

func pct(v *float32) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *v)
}

func secs(v *float32) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fs", *v)
}

func (s *session) observeCmd() *cobra.Command {
	var asJSON bool
	var rng string
	c := &cobra.Command{
		Use:     "observe ORG/PROJECT/APP [--range 1h|6h|24h|7d|30d]",
		Short:   "Usage history as sparklines: CPU, memory, pods, restarts",
		GroupID: "apps",
		Args:    exactArgs("ORG/PROJECT/APP"),
		RunE: s.run(func(cmd *cobra.Command, args []string) error {
			r := apiclient.GetObservabilityParamsRange(rng)
			if !r.Valid() {
				return usagef("--range: want 1h, 6h, 24h, 7d or 30d, not %q", rng)
			}
			a, ap, err := s.resolveApp(args[0])
			if err != nil {
				return err
			}
			resp, err := check(a.GetObservabilityWithResponse(s.ctx, ap.id, &apiclient.GetObservabilityParams{Range: &r}))
			if err != nil {
				return err
			}
			o, err := shown(cmd.OutOrStdout(), asJSON, resp.Body, resp.JSON200, "observability")
			if err != nil || o == nil {
				return err
			}
			var cpu, mem, pods, restarts []*float64
			for _, p := range o.History {
				cpu, mem = append(cpu, num(p.CpuUsageM)), append(mem, num(p.MemoryUsageBytes))
				pods, restarts = append(pods, num(p.PodCount)), append(restarts, num(p.RestartCount))
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: the last %s, one point every %ds (%d points)\n", ap.ref, o.Range, o.StepSeconds, len(o.History))
			t := newTable(w, "", "HISTORY", "LAST", "PEAK")
			for _, row := range []struct {
				name   string
				values []*float64
				unit   func(float64) string
			}{
				{"cpu", cpu, func(v float64) string { return fmt.Sprintf("%.0fm", v) }},
				{"memory", mem, bytesIEC},
				{"pods", pods, func(v float64) string { return fmt.Sprintf("%.0f", v) }},
				{"restarts", restarts, func(v float64) string { return fmt.Sprintf("%.0f", v) }},
			} {
				last, peak := series(row.values)
				t.row(row.name, sparkline(row.values, chartWidth), fmtOr(last, row.unit), fmtOr(peak, row.unit))
			}
			return t.flush()
		}),
	}
	c.Flags().StringVar(&rng, "range", "1h", "1h, 6h, 24h, 7d or 30d")
	jsonFlag(c, &asJSON)
	return c
}

func num(p *int) *float64 {
	if p == nil {
		return nil
	}
	v := float64(*p)
	return &v
}

func fmtOr(v *float64, f func(float64) string) string {
	if v == nil {
		return "-"
	}
	return f(*v)
}

// bytesIEC is a byte count in KiB, MiB or GiB.
func bytesIEC(v float64) string {
	const k = 1024
	switch {
	case v >= k*k*k:
		return fmt.Sprintf("%.1fGi", v/(k*k*k))
	case v >= k*k:
		return fmt.Sprintf("%.0fMi", v/(k*k))
	case v >= k:
		return fmt.Sprintf("%.0fKi", v/k)
	}
	return fmt.Sprintf("%.0fB", v)
}
