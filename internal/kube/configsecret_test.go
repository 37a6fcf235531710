package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

func configWorkload() pipeline.Workload {
	w := testWorkload()
	w.ConfigVersion = 3
	w.Env = pipeline.NewEnv(map[string]string{"DATABASE_URL": "postgres://u:hunter2@db/app", "LOG_LEVEL": "debug"})
	return w
}

// The release's config Secret, in full: immutable, labelled with the
// application, the release and the config version, every var as a key.
const wantConfigSecret = `{
  "apiVersion": "v1", "kind": "Secret",
  "metadata": {"name": "shop-api-config-v7", "namespace": "acme", "labels": {
    "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
    "slipway.dev/application-id": "` + appID + `", "slipway.dev/release-version": "7", "slipway.dev/config-version": "3"}},
  "immutable": true,
  "type": "Opaque",
  "data": {"DATABASE_URL": "cG9zdGdyZXM6Ly91Omh1bnRlcjJAZGIvYXBw", "LOG_LEVEL": "ZGVidWc="}
}`

func TestRenderConfigSecret(t *testing.T) {
	objs, err := Render(configWorkload())
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, "config Secret", objs.ConfigSecret, wantConfigSecret)
	// Every process's container takes its environment from it.
	for _, d := range objs.Deployments {
		c := d.Spec.Template.Spec.Containers[0]
		if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != "shop-api-config-v7" {
			t.Errorf("%s: envFrom %+v", d.Metadata.Name, c.EnvFrom)
		}
	}
	// A release without config vars still has its (empty) Secret.
	empty, err := Render(testWorkload())
	if err != nil || empty.ConfigSecret.Data != nil || empty.ConfigSecret.Metadata.Labels[LabelConfigVersion] != "0" {
		t.Fatalf("empty config Secret %+v, %v", empty.ConfigSecret, err)
	}
}

func TestConfigSecretName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		release int64
		want    string
	}{
		{"shop-api", 7, "shop-api-config-v7"},
		{"shop-api", 12345, "shop-api-config-v12345"},
		{"0shop-api", 1, ObjectName("0shop-api", "config-v1")},
		{strings.Repeat("a", 60), 1, ObjectName(strings.Repeat("a", 60), "config-v1")},
	} {
		w := testWorkload()
		w.Name, w.ReleaseVersion = tc.name, tc.release
		got := ConfigSecretName(w)
		if got != tc.want || len(got) > maxName || !dns1035.MatchString(got) {
			t.Errorf("ConfigSecretName(%s v%d) = %q, want %q (a DNS-1035 label)", tc.name, tc.release, got, tc.want)
		}
	}
}

// TestRenderLargestConfig renders the largest config the API accepts (500
// vars, 256 KiB of names and values): the Secret stays well under the
// 1 MiB Kubernetes allows; one larger than a Secret holds is refused.
func TestRenderLargestConfig(t *testing.T) {
	vars := map[string]string{}
	const n, total = 500, 256 << 10
	for i := range n {
		name := fmt.Sprintf("VAR_%03d", i)
		vars[name] = strings.Repeat("x", total/n-len(name))
	}
	w := testWorkload()
	w.Env = pipeline.NewEnv(vars)
	objs, err := Render(w)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(objs.ConfigSecret)
	if len(objs.ConfigSecret.Data) != n || w.Env.Bytes() > total || len(body) >= MaxSecretBytes {
		t.Fatalf("%d keys, %d bytes of vars, a %d-byte Secret", len(objs.ConfigSecret.Data), w.Env.Bytes(), len(body))
	}
	vars["HUGE"] = strings.Repeat("x", MaxSecretBytes)
	w.Env = pipeline.NewEnv(vars)
	if _, err := Render(w); err == nil || strings.Contains(err.Error(), "xxxx") {
		t.Fatalf("a config over 1 MiB: %v", err)
	}
}

func rs(replicas *int32, running int32, secrets ...string) ReplicaSet {
	var r ReplicaSet
	r.Spec.Replicas, r.Status.Replicas = replicas, running
	c := Container{Name: "web"}
	for _, s := range secrets {
		c.EnvFrom = append(c.EnvFrom, EnvFromSource{SecretRef: &SecretEnvSource{Name: s}})
	}
	r.Spec.Template.Spec.Containers = []Container{c}
	return r
}

func TestUnusedConfigSecrets(t *testing.T) {
	zero, two := ptr(int32(0)), ptr(int32(2))
	all := []string{"a-config-v1", "a-config-v2", "a-config-v3", "a-config-v4"}
	for _, tc := range []struct {
		name    string
		current string
		sets    []ReplicaSet
		want    []string
	}{
		{"nothing runs: all but the current go", "a-config-v4", nil, []string{"a-config-v1", "a-config-v2", "a-config-v3"}},
		{"the current is kept before its ReplicaSet exists", "a-config-v4", []ReplicaSet{rs(two, 2, "a-config-v3")}, []string{"a-config-v1", "a-config-v2"}},
		{"scaled to zero but pods still terminating", "a-config-v4", []ReplicaSet{rs(zero, 1, "a-config-v2"), rs(two, 2, "a-config-v4")}, []string{"a-config-v1", "a-config-v3"}},
		{"old ReplicaSets kept at zero do not keep theirs", "a-config-v4", []ReplicaSet{rs(zero, 0, "a-config-v1"), rs(zero, 0, "a-config-v2"), rs(two, 0, "a-config-v4")}, []string{"a-config-v1", "a-config-v2", "a-config-v3"}},
		{"replicas unset counts as wanted (the API's default is 1)", "a-config-v4", []ReplicaSet{rs(nil, 0, "a-config-v1")}, []string{"a-config-v2", "a-config-v3"}},
		{"a revert: the serving release's Secret is current, the canceled one's runs", "a-config-v3", []ReplicaSet{rs(two, 2, "a-config-v4"), rs(two, 1, "a-config-v3")}, []string{"a-config-v1", "a-config-v2"}},
		{"a ReplicaSet of pods without envFrom keeps nothing", "a-config-v4", []ReplicaSet{rs(two, 2)}, []string{"a-config-v1", "a-config-v2", "a-config-v3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unusedConfigSecrets(tc.current, tc.sets, all); !slices.Equal(got, tc.want) {
				t.Fatalf("unused %v, want %v", got, tc.want)
			}
		})
	}
}

// TestApplyConfigSecret: a retried Apply keeps the Secret it made; one of
// an application re-created under the same name is replaced; an old
// release's Secret goes once no live ReplicaSet uses it.
func TestApplyConfigSecret(t *testing.T) {
	ctx := context.Background()
	api := newFakeAPI(t, "t")
	k := api.cluster(t)
	w := configWorkload()
	must(t, k.Apply(ctx, w))
	path := "/api/v1/namespaces/acme/secrets/shop-api-config-v7"
	first := api.object(path)
	api.take()
	must(t, k.Apply(ctx, w)) // retried: kept, no delete
	for _, r := range api.take() {
		if r.Method == "DELETE" {
			t.Fatalf("a retried Apply deleted %s", r.Path)
		}
	}
	if string(api.object(path)) != string(first) {
		t.Fatal("a retried Apply changed the Secret")
	}

	recreated := configWorkload()
	recreated.ApplicationID = "0190f0c4-0000-7000-8000-00000000cafe"
	recreated.Env = pipeline.NewEnv(map[string]string{"OTHER": "1"})
	must(t, k.Apply(ctx, recreated))
	var got Secret
	must(t, json.Unmarshal(api.object(path), &got))
	if got.Metadata.Labels[LabelApplicationID] != recreated.ApplicationID || string(got.Data["OTHER"]) != "1" || got.Data["DATABASE_URL"] != nil {
		t.Fatalf("the re-created application's Secret is %+v", got)
	}

	// Release v8 while v7's pods still run: v7's Secret stays; once its
	// ReplicaSet is scaled down, the done rollout prunes it.
	next := recreated
	next.ReleaseVersion = 8
	rsPath := "/apis/apps/v1/namespaces/acme/replicasets/shop-api-web-v7"
	live := rs(ptr(int32(2)), 2, "shop-api-config-v7")
	live.Metadata = ObjectMeta{Name: "shop-api-web-v7", Labels: map[string]string{LabelApplicationID: next.ApplicationID, LabelManagedBy: ManagedBy}}
	api.seed(rsPath, live)
	must(t, k.Apply(ctx, next))
	if !slices.Contains(api.paths(), path) {
		t.Fatal("v7's Secret was pruned while its pods run")
	}
	live.Spec.Replicas, live.Status.Replicas = ptr(int32(0)), 0
	api.seed(rsPath, live)
	api.setStatus(webPath, complete(2, 0), 0)
	api.setStatus(workerPath, DeploymentStatus{}, 0)
	api.setStatus(tcpPath, complete(1, 0), 0)
	st, err := k.RolloutStatus(ctx, next)
	if err != nil || !st.Done {
		t.Fatalf("RolloutStatus %+v, %v", st, err)
	}
	if slices.Contains(api.paths(), path) || !slices.Contains(api.paths(), "/api/v1/namespaces/acme/secrets/shop-api-config-v8") {
		t.Fatalf("after the rollout: %v", api.paths())
	}
}
