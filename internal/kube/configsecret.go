package kube

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strconv"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// LabelConfigVersion is the label of a release's config Secret that names
// the config version it holds.
const LabelConfigVersion = "slipway.dev/config-version"

// MaxSecretBytes is the limit Kubernetes sets on a Secret's data (1 MiB);
// a config (at most 256 KiB of names and values) stays well below it.
const MaxSecretBytes = 1 << 20

// Secret is a v1 Secret. Data values are bytes (base64 in JSON).
type Secret struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Metadata   ObjectMeta        `json:"metadata"`
	Immutable  *bool             `json:"immutable,omitempty"`
	Type       string            `json:"type,omitempty"`
	Data       map[string][]byte `json:"data,omitempty"`
}

// EnvFromSource fills a container's environment from a Secret's keys.
type EnvFromSource struct {
	SecretRef *SecretEnvSource `json:"secretRef,omitempty"`
}

// SecretEnvSource names the Secret of an EnvFromSource.
type SecretEnvSource struct {
	Name string `json:"name"`
}

// ReplicaSet is the part of an apps/v1 ReplicaSet the prune of config
// Secrets reads: its replicas and the Secrets its pod template uses.
type ReplicaSet struct {
	Metadata ObjectMeta `json:"metadata"`
	Spec     struct {
		Replicas *int32      `json:"replicas"`
		Template PodTemplate `json:"template"`
	} `json:"spec"`
	Status struct {
		Replicas int32 `json:"replicas"`
	} `json:"status"`
}

// ReplicaSetList is a list of ReplicaSets.
type ReplicaSetList struct {
	Items []ReplicaSet `json:"items"`
}

// ConfigSecretName is the name of the Secret that holds the config of the
// workload's release: "<workload name>-config-v<release version>",
// shortened like ObjectName when it is not a valid DNS-1035 label. One per
// release, never changed once made (immutable).
func ConfigSecretName(w pipeline.Workload) string {
	return ObjectName(w.Name, "config-v"+strconv.FormatInt(w.ReleaseVersion, 10))
}

// RenderConfigSecret is the immutable Secret of the workload's release:
// every runtime and both-scope var of the config the release is pinned
// to, secrets and non-secrets alike, labelled with the application, the
// release and the config version. Every process's containers take their
// environment from it (envFrom), so its keys become environment
// variables; an explicit env var (PORT) wins over a key of the same name.
func RenderConfigSecret(w pipeline.Workload) (Secret, error) {
	if n := w.Env.Bytes(); n > MaxSecretBytes {
		return Secret{}, fmt.Errorf("kube: the config of release v%d takes %d bytes, more than a Secret holds (%d)", w.ReleaseVersion, n, MaxSecretBytes)
	}
	data := map[string][]byte{}
	for name, v := range w.Env.Values() {
		data[name] = []byte(v)
	}
	if len(data) == 0 {
		data = nil
	}
	return Secret{
		APIVersion: "v1", Kind: "Secret",
		Metadata: ObjectMeta{Name: ConfigSecretName(w), Namespace: w.Namespace, Labels: map[string]string{
			LabelName:           labelValue(w.Name),
			LabelManagedBy:      ManagedBy,
			LabelApplicationID:  w.ApplicationID,
			LabelReleaseVersion: strconv.FormatInt(w.ReleaseVersion, 10),
			LabelConfigVersion:  strconv.FormatInt(w.ConfigVersion, 10),
		}},
		Immutable: ptr(true),
		Type:      "Opaque",
		Data:      data,
	}, nil
}

// configEnvFrom is the envFrom of every container of the workload: its
// release's config Secret. Every pod spec the adapter renders (a
// Deployment's, a release command's Job) uses it.
func configEnvFrom(w pipeline.Workload) []EnvFromSource {
	return []EnvFromSource{{SecretRef: &SecretEnvSource{Name: ConfigSecretName(w)}}}
}

// applyConfigSecret creates the release's config Secret. One that exists
// already (a retried deploy, a re-applied release) is kept when it holds
// the same application's same data; any other (left by an application
// deleted and re-created under the same name) is deleted and created
// again, as an immutable Secret cannot be changed. Kubernetes verbs:
// create, get and delete on secrets.
func (k *Cluster) applyConfigSecret(ctx context.Context, s Secret) error {
	collection := secretsPath(s.Metadata.Namespace)
	err := k.c.create(ctx, collection, s)
	if err == nil || !isAlreadyExists(err) {
		return err
	}
	path := collection + "/" + s.Metadata.Name
	var live Secret
	if err := k.c.get(ctx, path, nil, &live); err != nil {
		return err
	}
	if sameSecret(live, s) {
		return nil
	}
	if err := k.c.delete(ctx, path); err != nil {
		return err
	}
	return k.c.create(ctx, collection, s)
}

func sameSecret(live, want Secret) bool {
	return live.Metadata.Labels[LabelApplicationID] == want.Metadata.Labels[LabelApplicationID] &&
		live.Metadata.Labels[LabelConfigVersion] == want.Metadata.Labels[LabelConfigVersion] &&
		live.Immutable != nil && *live.Immutable &&
		maps.EqualFunc(live.Data, want.Data, func(a, b []byte) bool { return string(a) == string(b) })
}

// pruneConfigSecrets deletes the application's config Secrets that no
// live ReplicaSet (one with pods wanted or still running) uses, except
// the workload's own: its ReplicaSet may not exist yet. So a Secret stays
// while the pods of its release run, through a rollout and a revert, and
// goes once they are gone. Kubernetes verbs: list on replicasets (apps),
// list and delete on secrets.
func (k *Cluster) pruneConfigSecrets(ctx context.Context, w pipeline.Workload) error {
	selector := url.Values{"labelSelector": {appSelector(w)}}
	var sets ReplicaSetList
	if err := k.c.get(ctx, replicaSetsPath(w.Namespace), selector, &sets); err != nil {
		return err
	}
	var secrets ObjectList
	if err := k.c.get(ctx, secretsPath(w.Namespace), selector, &secrets); err != nil {
		return err
	}
	for _, name := range unusedConfigSecrets(ConfigSecretName(w), sets.Items, secretNames(secrets)) {
		if err := k.c.delete(ctx, secretsPath(w.Namespace)+"/"+name); err != nil {
			return err
		}
	}
	return nil
}

func secretNames(l ObjectList) []string {
	names := make([]string, 0, len(l.Items))
	for _, it := range l.Items {
		names = append(names, it.Metadata.Name)
	}
	return names
}

// unusedConfigSecrets are the secrets, other than current, that no live
// ReplicaSet's pod template takes its environment from.
func unusedConfigSecrets(current string, sets []ReplicaSet, secrets []string) []string {
	used := map[string]bool{current: true}
	for _, rs := range sets {
		if rs.Spec.Replicas != nil && *rs.Spec.Replicas == 0 && rs.Status.Replicas == 0 {
			continue
		}
		for _, c := range rs.Spec.Template.Spec.Containers {
			for _, from := range c.EnvFrom {
				if from.SecretRef != nil {
					used[from.SecretRef.Name] = true
				}
			}
		}
	}
	var out []string
	for _, s := range secrets {
		if !used[s] {
			out = append(out, s)
		}
	}
	return out
}

func secretsPath(ns string) string     { return "/api/v1/namespaces/" + ns + "/secrets" }
func replicaSetsPath(ns string) string { return "/apis/apps/v1/namespaces/" + ns + "/replicasets" }
