package httpapi_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/platform"
)

// concApp creates an application of acme/shop with a repository and
// branch and returns its id.
func concApp(t *testing.T, f *faultFixture, slug string) string {
	t.Helper()
	r := f.Do(apitest.Request{Method: "POST", Path: "/applications", Token: apitest.Admin,
		Body: map[string]any{"name": slug, "slug": slug, "project_id": f.Projects["acme/shop"].ID}})
	if r.Status != 201 {
		t.Fatalf("create %s: %d %s", slug, r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := f.Do(apitest.Request{Method: "PATCH", Path: "/applications/" + id + "/settings", Token: apitest.Admin,
		Body: map[string]any{"github_repository": "acme/" + slug, "auto_deploy_branch": "main"}}); r.Status != 200 {
		t.Fatalf("settings %s: %d %s", slug, r.Status, r.Body)
	}
	return id
}

// concAll runs n requests at once and returns their responses.
func concAll(f *faultFixture, n int, req func(i int) apitest.Request) []*apitest.Response {
	out := make([]*apitest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f.Do(req(i))
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestConcurrentScaleEdits: scale edits without If-Match all land (none
// lost, one version each); with the same If-Match exactly one lands and
// the others are 412, changing nothing.
func TestConcurrentScaleEdits(t *testing.T) {
	f := newFaultFixture(t)
	id := concApp(t, f, "scaler")
	const n = 8 // at most maxUpdateAttempts writers: none can lose every race (more may get a retryable 503)
	rs := concAll(f, n, func(i int) apitest.Request {
		return apitest.Request{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin,
			Body: map[string]any{"process_counts": map[string]int{fmt.Sprintf("p%d", i): i + 1},
				"process_pod_classes": map[string]string{fmt.Sprintf("p%d", i): "c1.small"}}}
	})
	for i, r := range rs {
		if r.Status != 200 {
			t.Fatalf("scale %d: %d %s", i, r.Status, r.Body)
		}
	}
	got := f.Do(apitest.Request{Method: "GET", Path: "/applications/acme/shop/scaler", Token: apitest.Member})
	counts, classes := got.JSON()["process_counts"].(map[string]any), got.JSON()["process_pod_classes"].(map[string]any)
	for i := range n {
		p := fmt.Sprintf("p%d", i)
		if counts[p] != float64(i+1) || classes[p] != "c1.small" {
			t.Fatalf("scale %d was lost: counts %v classes %v", i, counts, classes)
		}
	}
	etag := got.Header.Get("ETag")
	if etag != fmt.Sprintf(`"v%d"`, 2+n) { // created, settings, n scales
		t.Fatalf("ETag %s after %d scales", etag, n)
	}

	before := f.Snapshot(t)
	rs = concAll(f, n, func(i int) apitest.Request {
		return apitest.Request{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin, Header: map[string]string{"If-Match": etag},
			Body: map[string]any{"process_counts": map[string]int{"p0": 50 + i}}}
	})
	won := -1
	for i, r := range rs {
		switch {
		case r.Status == 200 && won < 0:
			won = i
		case r.Status == 412 && r.JSON()["code"] == "precondition_failed":
		default:
			t.Fatalf("scale %d with If-Match %s: %d %s", i, etag, r.Status, r.Body)
		}
	}
	if won < 0 {
		t.Fatal("no scale with the current If-Match landed")
	}
	got = f.Do(apitest.Request{Method: "GET", Path: "/applications/acme/shop/scaler", Token: apitest.Member})
	if c := got.JSON()["process_counts"].(map[string]any)["p0"]; c != float64(50+won) || got.Header.Get("ETag") != fmt.Sprintf(`"v%d"`, 3+n) {
		t.Fatalf("after the If-Match race: p0 %v (winner %d), ETag %s", c, won, got.Header.Get("ETag"))
	}
	if d := len(before) - len(f.Snapshot(t)); d != 0 {
		t.Fatalf("the If-Match race changed the item count by %d", d)
	}
	// A stale If-Match (the one everybody used) is a 412 now.
	if r := f.Do(apitest.Request{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin, Header: map[string]string{"If-Match": etag},
		Body: map[string]any{"process_counts": map[string]int{"p0": 1}}}); r.Status != 412 {
		t.Fatalf("stale If-Match: %d %s", r.Status, r.Body)
	}
}

// TestTwentyFullDeploysAtOnce: exactly one 202; the others are 409
// naming the running pipeline; one image, one build.
func TestTwentyFullDeploysAtOnce(t *testing.T) {
	f := newFaultFixture(t)
	id := concApp(t, f, "busy")
	gate := make(chan struct{})
	f.builder.Gate = gate // no pipeline runs: set before any deploy
	const n = 20
	rs := concAll(f, n, func(int) apitest.Request {
		return apitest.Request{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin}
	})
	var imageID string
	accepted := 0
	for _, r := range rs {
		if r.Status == 202 {
			accepted++
			imageID = r.JSON()["image_id"].(string)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d deploys accepted, want 1", accepted)
	}
	for i, r := range rs {
		if r.Status != 202 && (r.Status != 409 || r.JSON()["image_id"] != imageID || r.JSON()["code"] != "conflict") {
			t.Fatalf("deploy %d: %d %s (running %s)", i, r.Status, r.Body, imageID)
		}
	}
	close(gate)
	f.runner.Wait()
	app, err := f.Store.GetApplication(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if app.ImageSeq != 1 || app.LatestImage.ID != imageID || app.LatestDeployment == nil || app.LatestDeployment.Status != platform.StatusComplete {
		t.Fatalf("after the race: seq %d, image %+v", app.ImageSeq, app.LatestImage)
	}
}

// TestVersionsGaplessAcrossApplications: several applications deploy at
// once, round after round, while their scale is edited concurrently (so
// the pipelines' steps lose optimistic-locking races); every application's
// image and release versions are 1..rounds, unique and gapless, read from
// the records.
func TestVersionsGaplessAcrossApplications(t *testing.T) {
	f := newFaultFixture(t)
	const apps, rounds = 5, 4
	ids := make([]string, apps)
	for i := range ids {
		ids[i] = concApp(t, f, fmt.Sprintf("app-%d", i))
	}
	for round := range rounds {
		rs := concAll(f, 3*apps, func(i int) apitest.Request {
			id := ids[i%apps]
			if i < apps {
				return apitest.Request{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin}
			}
			return apitest.Request{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin,
				Body: map[string]any{"process_pod_classes": map[string]string{"web": []string{"m1.small", "m1.medium"}[(round+i/apps)%2]}}}
		})
		for i, r := range rs {
			if r.Status != 202 && r.Status != 200 {
				t.Fatalf("round %d request %d: %d %s", round, i, r.Status, r.Body)
			}
		}
		f.runner.Wait()
	}
	for _, id := range ids {
		imgs, err := f.Store.ListImages(context.Background(), id, 100)
		if err != nil {
			t.Fatal(err)
		}
		rels, err := f.Store.ListReleases(context.Background(), id, 100)
		if err != nil {
			t.Fatal(err)
		}
		deps, err := f.Store.ListDeployments(context.Background(), id, platform.PageRequest{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var iv, rv, dv []int64
		for _, x := range imgs {
			iv = append(iv, x.Version)
			if x.Status != platform.StatusComplete {
				t.Fatalf("%s: image v%d %s", id, x.Version, x.Status)
			}
		}
		for _, x := range rels {
			rv = append(rv, x.Version)
		}
		for _, x := range deps.Items {
			dv = append(dv, x.ReleaseVersion)
			if x.Status != platform.StatusComplete {
				t.Fatalf("%s: deployment of v%d %s", id, x.ReleaseVersion, x.Status)
			}
		}
		for name, v := range map[string][]int64{"images": iv, "releases": rv, "deployments": dv} {
			sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
			if len(v) != rounds {
				t.Fatalf("%s: %d %s, want %d: %v", id, len(v), name, rounds, v)
			}
			for i, x := range v {
				if x != int64(i+1) {
					t.Fatalf("%s: %s versions %v, want 1..%d", id, name, v, rounds)
				}
			}
		}
		app, err := f.Store.GetApplication(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if app.ImageSeq != rounds || app.ReleaseSeq != rounds || app.ActivePipeline != "" {
			t.Fatalf("%s: counters %d/%d, guard %q", id, app.ImageSeq, app.ReleaseSeq, app.ActivePipeline)
		}
	}
}
