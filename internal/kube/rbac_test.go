package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// rbacManifests is the file of the RBAC objects, applied once per cluster.
const rbacManifests = "../../infra/kubernetes/rbac.yaml"

// manifest is the part of an RBAC object the test reads.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Rules []struct {
		APIGroups     []string `yaml:"apiGroups"`
		Resources     []string `yaml:"resources"`
		Verbs         []string `yaml:"verbs"`
		ResourceNames []string `yaml:"resourceNames"`
	} `yaml:"rules"`
	RoleRef  RoleRef `yaml:"roleRef"`
	Subjects []struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"subjects"`
}

func readManifests(t *testing.T) []manifest {
	t.Helper()
	f, err := os.Open(rbacManifests)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []manifest
	dec := yaml.NewDecoder(f)
	for {
		var m manifest
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("%s: %v", rbacManifests, err)
		}
		out = append(out, m)
	}
}

// permission is one thing an RBAC rule allows: a verb on a resource
// ("group/resource", "" group for the core API), cluster-wide or inside a
// Slipway namespace, optionally on one named object.
type permission struct {
	verb, resource, name string
	namespaced           bool
}

func (p permission) String() string {
	scope := "cluster"
	if p.namespaced {
		scope = "namespace"
	}
	if p.name != "" {
		return fmt.Sprintf("%s %s/%s (%s)", p.verb, p.resource, p.name, scope)
	}
	return fmt.Sprintf("%s %s (%s)", p.verb, p.resource, scope)
}

// granted is what the manifests grant a group: the rules of the
// ClusterRoles that ClusterRoleBindings bind to it (cluster-wide), and of
// the ClusterRole the adapter's RoleBinding of the group names (inside a
// namespace).
func granted(t *testing.T, ms []manifest, group string) map[permission]bool {
	roles := map[string]manifest{}
	for _, m := range ms {
		if m.Kind == "ClusterRole" {
			roles[m.Metadata.Name] = m
		}
		if m.Kind == "Role" || m.Kind == "RoleBinding" {
			t.Errorf("%s: %s %s: namespaced objects belong to the adapter (it creates the RoleBindings with each namespace)", rbacManifests, m.Kind, m.Metadata.Name)
		}
	}
	out := map[permission]bool{}
	add := func(role string, namespaced bool) {
		r, ok := roles[role]
		if !ok {
			t.Fatalf("%s: no ClusterRole %s", rbacManifests, role)
		}
		for _, rule := range r.Rules {
			names := rule.ResourceNames
			if len(names) == 0 {
				names = []string{""}
			}
			for _, g := range rule.APIGroups {
				for _, res := range rule.Resources {
					for _, v := range rule.Verbs {
						for _, n := range names {
							if g == "*" || res == "*" || v == "*" {
								t.Errorf("%s: ClusterRole %s has a wildcard rule", rbacManifests, role)
							}
							out[permission{verb: v, resource: g + "/" + res, name: n, namespaced: namespaced}] = true
						}
					}
				}
			}
		}
	}
	for _, m := range ms {
		if m.Kind != "ClusterRoleBinding" {
			continue
		}
		for _, s := range m.Subjects {
			if s.Kind == "Group" && s.Name == group {
				add(m.RoleRef.Name, false)
			}
		}
	}
	add(roleBinding("ns", group).RoleRef.Name, true)
	return out
}

// permissionsOf is what Kubernetes authorizes for a recorded request.
func permissionsOf(t *testing.T, r recorded) []permission {
	rest, ok := strings.CutPrefix(r.Path, "/api/v1/")
	group := ""
	if !ok {
		var g string
		g, rest, _ = strings.Cut(strings.TrimPrefix(r.Path, "/apis/"), "/")
		group = g
		_, rest, _ = strings.Cut(rest, "/") // the version
	}
	parts := strings.Split(rest, "/")
	namespaced := false
	if parts[0] == "namespaces" && len(parts) > 2 {
		namespaced, parts = true, parts[2:]
	}
	resource := group + "/" + parts[0]
	item := len(parts) > 1
	if len(parts) > 2 { // a subresource: pods/<name>/log
		resource += "/" + parts[2]
	}
	p := func(verb string) permission {
		return permission{verb: verb, resource: resource, namespaced: namespaced}
	}
	switch {
	case r.Method == "GET" && item:
		return []permission{p("get")}
	case r.Method == "GET":
		return []permission{p("list")}
	case r.Method == "DELETE":
		return []permission{p("delete")}
	case r.Method == "PATCH" && r.Created:
		return []permission{p("patch"), p("create")}
	case r.Method == "PATCH":
		return []permission{p("patch")}
	case r.Method == "POST" && resource == "rbac.authorization.k8s.io/rolebindings":
		// Binding a role needs `bind` on it (or every right it grants).
		var b RoleBinding
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		return []permission{p("create"), {verb: "bind", resource: "rbac.authorization.k8s.io/clusterroles", name: b.RoleRef.Name}}
	case r.Method == "POST":
		return []permission{p("create")}
	}
	t.Fatalf("no RBAC verb for %s %s", r.Method, r.Path)
	return nil
}

// clusterCalls drive every method of Cluster through the paths that make
// different calls, for the identity (group) that makes them.
var clusterCalls = map[string]struct {
	group string
	run   func(t *testing.T, api *fakeAPI, k *Cluster)
}{
	"Apply": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		ctx := context.Background()
		w := testWorkload()
		w.Processes["worker-old"], w.Processes["web-old"] = "./old", "./old"
		must(t, k.Apply(ctx, w))              // a new namespace, new objects
		must(t, k.Apply(ctx, testWorkload())) // everything exists; worker-old is pruned
		recreated := testWorkload()           // an application re-created under the same name
		recreated.ApplicationID = "0190f0c4-0000-7000-8000-00000000cafe"
		must(t, k.Apply(ctx, recreated))
	}},
	"RolloutStatus": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		ctx := context.Background()
		must(t, k.Apply(ctx, testWorkload()))
		api.take()
		api.setStatus(webPath, complete(2, 0), 0)
		api.setStatus(workerPath, DeploymentStatus{}, 0)
		api.setStatus(tcpPath, DeploymentStatus{}, 0)
		_, err := k.RolloutStatus(ctx, testWorkload()) // in progress: the pods are read too
		must(t, err)
	}},
	"Remove": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		w := testWorkload()
		must(t, k.Apply(context.Background(), w))
		api.take()
		must(t, k.Remove(context.Background(), w.Namespace, w.ApplicationID)) // the teardown's step
	}},
	"RunJob": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		must(t, k.RunJob(context.Background(), testJob())) // a new namespace, a new Job
		must(t, k.RunJob(context.Background(), testJob())) // a retried start
	}},
	"JobStatus": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		must(t, k.RunJob(context.Background(), testJob()))
		api.take()
		_, err := k.JobStatus(context.Background(), testJob()) // running: its pod is read too
		must(t, err)
	}},
	"JobLogs": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		api.pods = []Pod{jobPod(ContainerStatus{Name: "release"})}
		api.podLogs = map[string]string{"/api/v1/namespaces/acme/pods/shop-api-release-v7-x2k9p": "migrated\n"}
		lines, err := k.JobLogs(context.Background(), testJob(), 0) // its pod is listed, then its log read
		must(t, err)
		if len(lines) != 1 {
			t.Fatalf("lines %q", lines)
		}
	}},
	"StopJob": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		must(t, k.RunJob(context.Background(), testJob()))
		api.take()
		must(t, k.StopJob(context.Background(), testJob()))
	}},
	"ApplyRoutes": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		w := testWorkload()
		w.Processes["web-old"] = "./old"
		must(t, k.Apply(context.Background(), w))
		api.take()
		must(t, k.ApplyRoutes(context.Background(), testWorkload())) // web-old's Ingress is pruned
	}},
	"RouteStatus": {PipelineGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		must(t, k.Apply(context.Background(), testWorkload()))
		api.take()
		_, err := k.RouteStatus(context.Background(), testWorkload()) // the Ingress and each host's Certificate
		must(t, err)
	}},
	"Scale": {ScaleGroup, func(t *testing.T, api *fakeAPI, k *Cluster) {
		must(t, k.Apply(context.Background(), testWorkload()))
		api.take()
		must(t, k.Scale(context.Background(), testWorkload()))
	}},
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// grantOf is the grant that allows p: the rule for the object's name or
// for every name, inside the namespace or cluster-wide (a ClusterRoleBinding
// grants in every namespace too).
func grantOf(allowed map[permission]bool, p permission) (permission, bool) {
	for _, g := range []permission{p, {verb: p.verb, resource: p.resource, namespaced: p.namespaced}} {
		for _, scope := range []bool{g.namespaced, false} {
			g.namespaced = scope
			if allowed[g] {
				return g, true
			}
		}
	}
	return permission{}, false
}

// TestRBACCoversEveryCall checks infra/kubernetes/rbac.yaml against every
// request the adapter makes: each group is granted every verb × resource
// its calls need (a new call without a rule fails here), and no rule that
// no call uses. Every method of Cluster must have an entry in clusterCalls.
func TestRBACCoversEveryCall(t *testing.T) {
	ms := readManifests(t)
	typ := reflect.TypeFor[*Cluster]()
	for i := range typ.NumMethod() {
		if _, ok := clusterCalls[typ.Method(i).Name]; !ok {
			t.Errorf("Cluster.%s makes calls this test does not check: add it to clusterCalls", typ.Method(i).Name)
		}
	}
	used := map[string]map[permission]bool{PipelineGroup: {}, ScaleGroup: {}}
	for _, name := range slices.Sorted(maps.Keys(clusterCalls)) {
		c := clusterCalls[name]
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(t, "t")
			c.run(t, api, api.cluster(t))
			allowed := granted(t, ms, c.group)
			for _, r := range api.take() {
				for _, p := range permissionsOf(t, r) {
					if g, ok := grantOf(allowed, p); ok {
						used[c.group][g] = true
					} else {
						t.Errorf("%s: %s %s needs %s, which %s does not grant group %s", name, r.Method, r.Path, p, rbacManifests, c.group)
					}
				}
			}
		})
	}
	for group, calls := range used {
		for p := range granted(t, ms, group) {
			if !calls[p] {
				t.Errorf("%s grants group %s %s, which no call uses", rbacManifests, group, p)
			}
		}
	}
}

// TestRBACBindings checks the shape of the cluster-wide grants: only the
// pipeline holds cluster-scoped rights (to create namespaces and bind
// Slipway's roles in them), and the per-namespace roles are never bound
// cluster-wide.
func TestRBACBindings(t *testing.T) {
	var crbs []string
	for _, m := range readManifests(t) {
		if m.Kind != "ClusterRoleBinding" {
			continue
		}
		for _, s := range m.Subjects {
			crbs = append(crbs, m.RoleRef.Name+"→"+s.Kind+":"+s.Name)
		}
	}
	if want := []string{"slipway-pipeline-namespaces→Group:" + PipelineGroup}; !slices.Equal(crbs, want) {
		t.Fatalf("cluster-wide bindings %v, want %v", crbs, want)
	}
	for _, g := range []string{PipelineGroup, ScaleGroup} {
		if b := roleBinding("ns", g); b.RoleRef.Name != g || b.Subjects[0].Name != g || b.Metadata.Name != g {
			t.Errorf("RoleBinding of %s: %+v (the admission policy of rbac.yaml expects name = role = group)", g, b)
		}
	}
}
