package platform

import (
	"fmt"
	"testing"
	"time"
)

// TestStaleProcesses: a process scaled before the first release that the
// release does not have is dropped at the next successful deploy, and may
// be set to 0 (which removes it) before then; other unknown processes stay
// refused.
func TestStaleProcesses(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	released := func() Application {
		a := deployableApp()
		a.ProcessCounts = map[string]int{"web": 1, "bogus": 3}
		a.ProcessPodClasses = map[string]string{"bogus": "c1.large", "web": "m1.small"}
		a.LatestRelease = &Release{ID: "rel-1", Version: 1, ImageID: "img-1", Processes: map[string]string{"web": "run", "worker": "work"}}
		return a
	}
	for _, tc := range []struct {
		name                 string
		req                  ScaleRequest
		field                string // the violation, "" when accepted
		wantCounts, wantPods string
	}{
		{"stale key to 0 removes it", ScaleRequest{ProcessCounts: map[string]int{"bogus": 0}}, "",
			"map[web:1]", "map[web:m1.small]"},
		{"stale key to 0 with a real change", ScaleRequest{ProcessCounts: map[string]int{"bogus": 0, "worker": 2}}, "",
			"map[web:1 worker:2]", "map[web:m1.small]"},
		{"stale key to more than 0", ScaleRequest{ProcessCounts: map[string]int{"bogus": 1}}, "process_counts.bogus", "", ""},
		{"unknown key to 0", ScaleRequest{ProcessCounts: map[string]int{"nope": 0}}, "process_counts.nope", "", ""},
		{"stale pod class", ScaleRequest{ProcessPodClasses: map[string]string{"bogus": "m1.small"}}, "process_pod_classes.bogus", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := released()
			err := tc.req.Apply(&a)
			if tc.field != "" {
				if pe, ok := err.(*Error); !ok || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
					t.Fatalf("err = %v, want a violation of %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(a.ProcessCounts); got != tc.wantCounts {
				t.Errorf("counts %s, want %s", got, tc.wantCounts)
			}
			if got := fmt.Sprint(a.ProcessPodClasses); got != tc.wantPods {
				t.Errorf("pod classes %s, want %s", got, tc.wantPods)
			}
		})
	}

	// Before any release every process may be scaled; the deploy of a
	// release without it prunes it when the pipeline completes.
	a := deployableApp()
	if err := (ScaleRequest{ProcessCounts: map[string]int{"bogus": 3}, ProcessPodClasses: map[string]string{"bogus": "c1.large"}}).Apply(&a); err != nil {
		t.Fatal(err)
	}
	img, _, err := a.StartPipeline(PipelineRequest{Trigger: TriggerManual}, "img-1", now)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error {
			_, err := a.RecordBuildSucceeded(img.ID, "uri", "sha", map[string]string{"web": "run"}, now)
			return err
		},
		func() error { _, _, err := a.CreateRelease(img.ID, "rel-1", now); return err },
		func() error { _, _, err := a.CreateDeployment(img.ID, "dep-1", now); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := a.ProcessCounts["bogus"]; !ok {
		t.Fatal("pruned before the deploy succeeded")
	}
	if _, _, err := a.CompletePipeline(img.ID, now); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(a.ProcessCounts, a.ProcessPodClasses); got != "map[web:2] map[]" {
		t.Fatalf("after the deploy: %s", got)
	}
}

// TestReleasePhaseProcessesAreNotScaled: release and postdeploy run once
// per release as jobs, so a count above 0 is refused naming the process
// (before the first release too); 0 and their pod class are accepted.
func TestReleasePhaseProcessesAreNotScaled(t *testing.T) {
	procs := map[string]string{"web": "run", "release": "./bin/release", "postdeploy": "./bin/notify"}
	for _, tc := range []struct {
		name     string
		released bool
		req      ScaleRequest
		field    string // the violation, "" when accepted
	}{
		{"release to 1", true, ScaleRequest{ProcessCounts: map[string]int{"release": 1}}, "process_counts.release"},
		{"postdeploy to 2", true, ScaleRequest{ProcessCounts: map[string]int{"postdeploy": 2, "web": 2}}, "process_counts.postdeploy"},
		{"release to 1 before any release", false, ScaleRequest{ProcessCounts: map[string]int{"release": 1}}, "process_counts.release"},
		{"release to 0", true, ScaleRequest{ProcessCounts: map[string]int{"release": 0, "web": 2}}, ""},
		{"release's pod class", true, ScaleRequest{ProcessPodClasses: map[string]string{"release": "c1.large"}}, ""},
		{"a web process named like one", true, ScaleRequest{ProcessCounts: map[string]int{"web": 3}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := deployableApp()
			a.ProcessCounts = map[string]int{"web": 1, "release": 0, "postdeploy": 0}
			if tc.released {
				a.LatestRelease = &Release{ID: "rel-1", Version: 1, ImageID: "img-1", Processes: procs}
			}
			before := fmt.Sprint(a.ProcessCounts)
			err := tc.req.Apply(&a)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if pe, ok := err.(*Error); !ok || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
				t.Fatalf("err = %v, want one violation of %s", err, tc.field)
			}
			if got := fmt.Sprint(a.ProcessCounts); got != before {
				t.Errorf("a refused scale changed the counts: %s, was %s", got, before)
			}
		})
	}
}
