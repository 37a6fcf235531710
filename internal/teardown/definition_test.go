package teardown_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// TestDefinitionSendsTheSteps: the teardown state machine's Tasks send
// exactly the step names the teardown handles, each with the whole run,
// and every Task retries on everything but an invalid invocation.
func TestDefinitionSendsTheSteps(t *testing.T) {
	var def struct {
		States map[string]struct {
			Type       string
			Parameters map[string]any
			Retry      []struct {
				ErrorEquals []string
				MaxAttempts *int
			}
		}
	}
	if err := json.Unmarshal(slipway.TeardownStateMachine, &def); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for name, st := range def.States {
		if st.Type != "Task" {
			continue
		}
		step, _ := st.Parameters["step"].(string)
		steps = append(steps, step)
		if st.Parameters["run.$"] != "$" {
			t.Errorf("%s: run.$ = %v, want the whole state", name, st.Parameters["run.$"])
		}
		if len(st.Retry) != 2 || !slices.Equal(st.Retry[0].ErrorEquals, []string{"InvalidInvocationError"}) ||
			st.Retry[0].MaxAttempts == nil || *st.Retry[0].MaxAttempts != 0 || !slices.Equal(st.Retry[1].ErrorEquals, []string{"States.ALL"}) {
			t.Errorf("%s: retriers %+v", name, st.Retry)
		}
	}
	slices.Sort(steps)
	want := []string{teardown.StepRemoveCluster, teardown.StepFinish, teardown.StepPurgeRecords}
	slices.Sort(want)
	if !slices.Equal(steps, want) {
		t.Errorf("the definition sends %v, the teardown handles %v", steps, want)
	}
}
