package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/apiclient"
)

// TestTableHasNoTrailingPadding: a row whose last cells are empty (the
// "=== ORG/PROJECT/APP" title of apps info) ends without spaces, and the
// other rows stay aligned.
func TestTableHasNoTrailingPadding(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows [][]string
		want string
	}{
		{"a title over key/value rows", [][]string{{"=== demo/demo/web", ""}, {"id", "01"}, {"web url", "https://x"}},
			"=== demo/demo/web\nid                 01\nweb url            https://x\n"},
		{"an empty last cell in a data row", [][]string{{"NAME", "DETAIL"}, {"a", ""}, {"bb", "x"}},
			"NAME  DETAIL\na\nbb    x\n"},
		{"empty cells before a value stay", [][]string{{"A", "B", "C"}, {"", "", "c"}},
			"A  B  C\n      c\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tb := newTable(&b, tc.rows[0]...)
			for _, r := range tc.rows[1:] {
				tb.row(r...)
			}
			if err := tb.flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tc.want)
			}
			for _, l := range strings.Split(b.String(), "\n") {
				if strings.HasSuffix(l, " ") {
					t.Errorf("line %q ends in padding", l)
				}
			}
		})
	}
}

// TestMetricsRow: what is neither ok nor failed is counted canceled (a
// canceled build is ✗ in the history, so the counts must say why).
func TestMetricsRow(t *testing.T) {
	f := func(v float32) *float32 { return &v }
	for _, tc := range []struct {
		name string
		sm   apiclient.StageMetrics
		want string
	}{
		{"one canceled of five", apiclient.StageMetrics{Total: 5, Success: 4, Error: 0, SuccessRate: f(80)}, "build 5 4 0 1 80.0%"},
		{"failed and canceled", apiclient.StageMetrics{Total: 6, Success: 3, Error: 2, SuccessRate: f(50)}, "build 6 3 2 1 50.0%"},
		{"nothing yet", apiclient.StageMetrics{}, "build 0 0 0 0 -"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := metricsRow("build", tc.sm)
			if len(row) != len(metricsHeader) {
				t.Fatalf("%d cells, %d headers", len(row), len(metricsHeader))
			}
			if got := strings.Join(row[:6], " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
