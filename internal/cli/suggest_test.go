package cli

import "testing"

// TestOneLine: cobra's multi-line suggestion list and any other line
// break end on one error line.
func TestOneLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"unknown flag: --frob", "unknown flag: --frob"},
		{"unknown command \"domain\" for \"slipway\"\n\nDid you mean this?\n\tdomains\n", `unknown command "domain" for "slipway" (did you mean domains?)`},
		{"unknown command \"lg\" for \"slipway\"\n\nDid you mean this?\n\tlogin\n\tlogs\n", `unknown command "lg" for "slipway" (did you mean login or logs?)`},
		{"first\n  second\n", "first; second"},
	} {
		if got := oneLine(tc.in); got != tc.want {
			t.Errorf("oneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
