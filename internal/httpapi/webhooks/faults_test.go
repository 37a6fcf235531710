package webhooks_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// TestRedeliveryFinishesAfterAStoreFault extends
// TestRedeliveryFinishesAHalfDoneDelivery to store faults in the middle of
// a delivery that deploys two applications: each write after the claim
// fails in turn (a's deploy, a's outcome, b's deploy, b's outcome, the
// completion). The delivery answers 503 and gives its claim up; the
// redelivery right after finishes the work, and every application ends
// with exactly one pipeline for the push. When giving the claim up fails
// too, a copy is told to retry until the claim's lease runs out.
func TestRedeliveryFinishesAfterAStoreFault(t *testing.T) {
	f := newFixture(t)
	db := storetest.InstallFaultDB(f.Env.Env)
	a := f.app(t, "a", "acme/shop", "main", "")
	b := f.app(t, "b", "acme/shop", "main", "")
	body := pushBody("acme/shop", "refs/heads/main", "x")
	injected := &types.InternalServerError{Message: aws.String("injected")}
	for i, fault := range []struct {
		sig string
		n   int
		// stuck: every later write of the delivery fails too, so the
		// claim cannot be given up and holds until its lease runs out.
		stuck bool
	}{
		{"TransactWriteItems[Put:APP Put:SLUG Put:IMAGE]", 1, false}, {"UpdateItem DELIVERY", 1, false},
		{"TransactWriteItems[Put:APP Put:SLUG Put:IMAGE]", 2, false}, {"UpdateItem DELIVERY", 2, false}, {"UpdateItem DELIVERY", 3, false},
		{"Query GSI2 REPO", 1, false}, {"UpdateItem DELIVERY", 1, true},
	} {
		guid := fmt.Sprintf("fault-%d", i)
		seqA, seqB := f.imageSeq(t, a), f.imageSeq(t, b)
		// The pipelines share the store: hold their builds until the
		// delivery has answered, so that only its writes are counted.
		gate := make(chan struct{})
		f.builder.Gate = gate
		db.FailWhen(func(c storetest.FaultCall) error {
			if c.Sig == fault.sig && (c.N == fault.n || fault.stuck && c.N > fault.n) {
				return injected
			}
			return nil
		})
		first := f.deliver("push", guid, body, true)
		db.FailWhen(nil)
		close(gate)
		if first.Status != 503 || first.Header.Get("Retry-After") == "" || first.JSON()["code"] != "unavailable" {
			t.Fatalf("%s #%d fails: %d %s", fault.sig, fault.n, first.Status, first.Body)
		}
		f.runner.Wait() // pipelines end before the clock jumps
		f.builder.Gate = nil
		if fault.stuck {
			if held := f.deliver("push", guid, body, true); held.Status != 503 || held.Header.Get("Retry-After") == "" || held.JSON()["duplicate"] != nil {
				t.Fatalf("%s #%d: a copy while the claim holds: %d %s", fault.sig, fault.n, held.Status, held.Body)
			}
			f.clock.Advance(platform.DeliveryLease + time.Second)
		}
		again := f.deliver("push", guid, body, true)
		if again.Status != 200 || again.JSON()["duplicate"] == true {
			t.Fatalf("%s #%d: redelivery: %d %s", fault.sig, fault.n, again.Status, again.Body)
		}
		f.runner.Wait()
		if da, dbb := f.imageSeq(t, a)-seqA, f.imageSeq(t, b)-seqB; da != 1 || dbb != 1 {
			t.Fatalf("%s #%d: the push made %d pipelines of a and %d of b, want 1 each", fault.sig, fault.n, da, dbb)
		}
		for _, app := range []platform.Application{a, b} {
			if imgs := f.images(t, app); imgs[0].Status != platform.StatusComplete {
				t.Fatalf("%s #%d: %s's pipeline: %+v", fault.sig, fault.n, app.Slug, imgs[0])
			}
		}
		if dup := f.deliver("push", guid, body, true); dup.JSON()["duplicate"] != true {
			t.Fatalf("%s #%d: a completed delivery ran again: %s", fault.sig, fault.n, dup.Body)
		}
	}
}

func (f *fixture) imageSeq(t *testing.T, app platform.Application) int64 {
	t.Helper()
	f.runner.Wait()
	got, err := f.Store.GetApplication(t.Context(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.ImageSeq
}
