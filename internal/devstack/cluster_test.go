package devstack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

func TestClusterFromSpec(t *testing.T) {
	for _, tc := range []struct{ spec, err string }{
		{spec: ""},
		{spec: "sim"},
		{spec: "kind", err: `--cluster "kind": want "sim"`},
		{spec: "context=x", err: "no kubeconfig=PATH"},
		{spec: "kubeconfig=", err: "want"},
		{spec: "kubeconfig=/nonexistent/config", err: "kubeconfig: open /nonexistent/config"},
	} {
		c, err := ClusterFromSpec(tc.spec)
		if tc.err == "" {
			if err != nil || c != nil {
				t.Errorf("%q: %v, %v; want the simulator (nil)", tc.spec, c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.spec, err, tc.err)
		}
	}
}

// With a real cluster the local system has no usage history: no points,
// so every step is null (never zeros or invented numbers).
func TestNoHistory(t *testing.T) {
	w := platform.UsageWindow{Start: time.Unix(0, 0), End: time.Unix(3600, 0)}
	if pts, err := (noHistory{}).History(context.Background(), platform.Application{}, w); err != nil || len(pts) != 0 {
		t.Fatalf("History = %v, %v", pts, err)
	}
}
