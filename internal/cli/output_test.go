package cli

import (
	"bytes"
	"strings"
	"testing"
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
