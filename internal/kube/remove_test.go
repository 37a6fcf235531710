package kube

import (
	"context"
	"strings"
	"testing"
)

// TestRemove deletes exactly the application's managed objects (by label,
// Deployments before Services), leaves another application's and an
// unmanaged object alone, and is idempotent. Jobs go last.
func TestRemove(t *testing.T) {
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	if err := k.Apply(context.Background(), testWorkload()); err != nil {
		t.Fatal(err)
	}
	foreign := testWorkload()
	foreign.ApplicationID, foreign.Name = "0190f0c4-0000-7000-8000-00000000beef", "shop-other"
	if err := k.Apply(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	foreignJob := testJob()
	foreignJob.Workload = foreign
	must(t, k.RunJob(context.Background(), testJob()))
	must(t, k.RunJob(context.Background(), foreignJob))
	api.seed("/apis/apps/v1/namespaces/acme/deployments/by-hand", Deployment{APIVersion: "apps/v1", Kind: "Deployment",
		Metadata: ObjectMeta{Name: "by-hand", Namespace: "acme", Labels: map[string]string{LabelApplicationID: appID}}})
	api.take()

	if err := k.Remove(context.Background(), "acme", appID); err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, r := range api.take() {
		verbs = append(verbs, r.Method+" "+strings.TrimPrefix(r.Path, "/api"))
		if r.Method == "GET" && r.Query.Get("labelSelector") != LabelApplicationID+"="+appID+","+LabelManagedBy+"=slipway" {
			t.Errorf("label selector %q", r.Query.Get("labelSelector"))
		}
		if r.Method == "DELETE" && r.Query.Get("propagationPolicy") != "Background" {
			t.Errorf("delete without background propagation: %v", r.Query)
		}
	}
	want := "GET s/apps/v1/namespaces/acme/deployments " +
		"DELETE s/apps/v1/namespaces/acme/deployments/shop-api-tcp-mqtt DELETE s/apps/v1/namespaces/acme/deployments/shop-api-web " +
		"DELETE s/apps/v1/namespaces/acme/deployments/shop-api-worker " +
		"GET /v1/namespaces/acme/services " +
		"DELETE /v1/namespaces/acme/services/shop-api-tcp-mqtt DELETE /v1/namespaces/acme/services/shop-api-web " +
		"GET s/networking.k8s.io/v1/namespaces/acme/ingresses DELETE s/networking.k8s.io/v1/namespaces/acme/ingresses/shop-api-web " +
		"GET s/batch/v1/namespaces/acme/jobs DELETE s/batch/v1/namespaces/acme/jobs/shop-api-release-v7 " +
		"GET /v1/namespaces/acme/secrets DELETE /v1/namespaces/acme/secrets/shop-api-config-v7"
	if got := strings.Join(verbs, " "); got != want {
		t.Errorf("requests\n %s\nwant\n %s", got, want)
	}
	left := strings.Join(api.paths(), " ")
	for _, keep := range []string{"deployments/by-hand", "deployments/shop-other-web", "services/shop-other-web", "jobs/shop-other-release-v7", "secrets/shop-other-config-v7"} {
		if !strings.Contains(left, keep) {
			t.Errorf("%s was removed", keep)
		}
	}
	if strings.Contains(left, "shop-api-") {
		t.Errorf("left behind: %s", left)
	}
	// Again, and in a namespace with nothing: no error, nothing deleted.
	for _, ns := range []string{"acme", "empty"} {
		if err := k.Remove(context.Background(), ns, appID); err != nil {
			t.Fatalf("remove in %s: %v", ns, err)
		}
	}
	for _, r := range api.take() {
		if r.Method != "GET" {
			t.Errorf("a repeated remove sent %s %s", r.Method, r.Path)
		}
	}
}
