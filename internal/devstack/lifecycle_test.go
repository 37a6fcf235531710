package devstack_test

import "testing"

// TestLocalDeleteTearsDown: on the local system a deleted application is
// gone at once, its slug free at once, and the teardown (the teardown
// state machine on the in-process executor) removes it from the cluster
// simulator and the table.
func TestLocalDeleteTearsDown(t *testing.T) {
	c, stack, _ := startStack(t, nil)
	id := newApp(t, c, "web")
	if status, body := c.do("POST", "/applications/"+id+"/deploy", ""); status != 202 {
		t.Fatalf("deploy: %d %v", status, body)
	}
	if status, body := c.do("DELETE", "/applications/"+id, ""); status != 409 || body["pipeline_id"] == nil {
		t.Fatalf("delete while deploying: %d %v", status, body)
	}
	stack.Runner.Wait()
	if !stack.Cluster.Running(id) {
		t.Fatal("the deployed application does not run in the simulator")
	}
	_, rels := c.do("GET", "/applications/"+id+"/releases", "")
	if items := rels["items"].([]any); len(items) != 1 {
		t.Fatalf("releases %v", rels)
	}
	if status, body := c.do("DELETE", "/applications/"+id, ""); status != 202 || body["ok"] != true {
		t.Fatalf("delete: %d %v", status, body)
	}
	for _, path := range []string{"/applications/" + id, "/applications/demo/demo/web", "/applications/" + id + "/images"} {
		if status, _ := c.do("GET", path, ""); status != 404 {
			t.Errorf("GET %s after the delete: %d", path, status)
		}
	}
	again := newApp(t, c, "web")
	stack.Teardowns.Wait()
	if stack.Cluster.Running(id) {
		t.Error("the deleted application still runs in the simulator")
	}
	_, imgs := c.do("GET", "/applications/"+again+"/images", "")
	if items := imgs["items"].([]any); len(items) != 0 {
		t.Errorf("the new application of the slug has images: %v", imgs)
	}
	if _, err := stack.Store.GetTombstone(t.Context(), id); err == nil {
		t.Error("the tombstone outlived the teardown")
	}
}
