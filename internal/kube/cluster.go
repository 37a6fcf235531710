package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// The field managers. Apply owns the whole objects (server-side apply).
// Scale patches only replicas and container resources, under a manager of
// its own: re-applying a partial object as "slipway" would tell the server
// that Slipway no longer wants every other field, and it would remove them.
const (
	FieldManager      = "slipway"
	ScaleFieldManager = "slipway-scale"
)

// Cluster runs workloads on a Kubernetes cluster (pipeline.Cluster).
type Cluster struct {
	c       *client
	routing Routing
}

var _ pipeline.Cluster = (*Cluster)(nil)

// New returns a Cluster for the API server cfg names.
func New(cfg Config) (*Cluster, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Cluster{c: c, routing: cfg.Routing}, nil
}

// The Kubernetes groups the functions' identities belong to (template.yaml's
// EKS access entries map the roles to them) and the ClusterRoles of the
// same names that RoleBindings grant them inside each Slipway namespace.
// infra/kubernetes/rbac.yaml defines the roles; a test keeps the two equal.
const (
	// PipelineGroup applies, prunes and watches workloads (PipelineFunction).
	PipelineGroup = "slipway-pipeline"
	// ScaleGroup scales live Deployments (ApplicationsFunction).
	ScaleGroup = "slipway-api"
)

// Apply creates the workload's namespace and its RoleBindings when they
// are missing, creates its release's config Secret, applies its
// Deployments and Services, deletes the Deployments and Services of the
// application (by label) that the workload no longer renders, does the
// same for its Ingresses (RenderIngresses), then deletes the config
// Secrets no live ReplicaSet uses (pruneConfigSecrets). Processes with no replicas keep their Deployment,
// scaled to zero. A Deployment of an earlier application of the same name
// (its selector names that application) is replaced, since a selector is
// immutable.
func (k *Cluster) Apply(ctx context.Context, w pipeline.Workload) error {
	objs, err := Render(w)
	if err != nil {
		return err
	}
	return k.inNamespace(ctx, w.Namespace, func() error { return k.applyObjects(ctx, w, objs) })
}

// inNamespace creates the namespace and its RoleBindings when they are
// missing (ensureNamespace), then makes apply's calls in it. A refusal
// right after the bindings were created is unavailable (worth a retry):
// the authorizer may not see them yet.
func (k *Cluster) inNamespace(ctx context.Context, ns string, apply func() error) error {
	granted, err := k.ensureNamespace(ctx, ns)
	if err != nil {
		return classify(err)
	}
	err = apply()
	var api *APIError
	if granted && errors.As(err, &api) && api.StatusCode == http.StatusForbidden && api.Unauthorized() {
		return platform.Unavailable(fmt.Errorf("kube: the RoleBindings of namespace %s are not in effect yet: %w", ns, err))
	}
	return classify(err)
}

func (k *Cluster) applyObjects(ctx context.Context, w pipeline.Workload, objs Objects) error {
	// The config first: a pod whose Secret is missing cannot start.
	if err := k.applyConfigSecret(ctx, objs.ConfigSecret); err != nil {
		return err
	}
	deployments, services := map[string]bool{}, map[string]bool{}
	for _, d := range objs.Deployments {
		deployments[d.Metadata.Name] = true
		if err := k.applyDeployment(ctx, deploymentsPath(w.Namespace)+"/"+d.Metadata.Name, d); err != nil {
			return err
		}
	}
	for _, s := range objs.Services {
		services[s.Metadata.Name] = true
		if err := k.c.apply(ctx, servicesPath(w.Namespace)+"/"+s.Metadata.Name, FieldManager, s); err != nil {
			return err
		}
	}
	if err := k.prune(ctx, w, deploymentsPath(w.Namespace), deployments); err != nil {
		return err
	}
	if err := k.prune(ctx, w, servicesPath(w.Namespace), services); err != nil {
		return err
	}
	if err := k.applyIngresses(ctx, w); err != nil {
		return err
	}
	return k.pruneConfigSecrets(ctx, w)
}

// applyDeployment applies d, replacing a live Deployment whose immutable
// selector differs (one of an application deleted and re-created under
// the same name).
func (k *Cluster) applyDeployment(ctx context.Context, path string, d Deployment) error {
	err := k.c.apply(ctx, path, FieldManager, d)
	var api *APIError
	if !errors.As(err, &api) || !api.immutableSelector() {
		return err
	}
	if err := k.c.delete(ctx, path); err != nil {
		return err
	}
	return k.c.apply(ctx, path, FieldManager, d)
}

// ensureNamespace creates the namespace and the RoleBindings that grant
// PipelineGroup and ScaleGroup their roles in it, each unless it exists
// (create only: the functions may not change namespaces or bindings
// Slipway did not make). granted reports that a binding was created now.
func (k *Cluster) ensureNamespace(ctx context.Context, ns string) (granted bool, err error) {
	namespace := Namespace{APIVersion: "v1", Kind: "Namespace", Metadata: ObjectMeta{Name: ns, Labels: map[string]string{LabelManagedBy: ManagedBy}}}
	if err := k.c.create(ctx, namespacesPath, namespace); err != nil && !isAlreadyExists(err) {
		return false, err
	}
	for _, group := range []string{PipelineGroup, ScaleGroup} {
		err := k.c.create(ctx, roleBindingsPath(ns), roleBinding(ns, group))
		switch {
		case err == nil:
			granted = true
		case !isAlreadyExists(err):
			return false, err
		}
	}
	return granted, nil
}

// roleBinding grants group the ClusterRole of the same name in ns.
func roleBinding(ns, group string) RoleBinding {
	return RoleBinding{
		APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding",
		Metadata: ObjectMeta{Name: group, Namespace: ns, Labels: map[string]string{LabelManagedBy: ManagedBy}},
		RoleRef:  RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: group},
		Subjects: []Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: group}},
	}
}

func isAlreadyExists(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.alreadyExists()
}

// prune deletes the application's objects in the collection that are not
// in keep.
func (k *Cluster) prune(ctx context.Context, w pipeline.Workload, collection string, keep map[string]bool) error {
	var list ObjectList
	if err := k.c.get(ctx, collection, url.Values{"labelSelector": {appSelector(w)}}, &list); err != nil {
		return err
	}
	for _, item := range list.Items {
		if name := item.Metadata.Name; !keep[name] {
			if err := k.c.delete(ctx, collection+"/"+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// appSelector selects the objects and pods Slipway made for the application.
func appSelector(w pipeline.Workload) string {
	return LabelApplicationID + "=" + w.ApplicationID + "," + LabelManagedBy + "=" + ManagedBy
}

// RolloutStatus reads every Deployment of the workload and, while the
// rollout is neither done nor failed, the application's pods; see
// rolloutOf and podsOf for when a rollout is done or failed. A done
// rollout prunes the config Secrets of the releases it replaced. A Deployment
// that does not exist is an error.
func (k *Cluster) RolloutStatus(ctx context.Context, w pipeline.Workload) (pipeline.RolloutStatus, error) {
	objs, err := Render(w)
	if err != nil {
		return pipeline.RolloutStatus{}, err
	}
	live := make([]Deployment, 0, len(objs.Deployments))
	for _, d := range objs.Deployments {
		var got Deployment
		if err := k.c.get(ctx, deploymentsPath(w.Namespace)+"/"+d.Metadata.Name, nil, &got); err != nil {
			return pipeline.RolloutStatus{}, classify(err)
		}
		live = append(live, got)
	}
	st := rolloutOf(live)
	if st.Done {
		// The old releases' pods are gone: so may their config Secrets be.
		return st, classify(k.pruneConfigSecrets(ctx, w))
	}
	if st.Failed {
		return st, nil
	}
	var pods PodList
	if err := k.c.get(ctx, podsPath(w.Namespace), url.Values{"labelSelector": {appSelector(w)}}, &pods); err != nil {
		return pipeline.RolloutStatus{}, classify(err)
	}
	return podsOf(st, live, pods.Items, w.ReleaseVersion), nil
}

// Scale patches (strategic merge, as ScaleFieldManager) each Deployment's
// replicas and container resources and nothing else: the image and
// command stay as they are, even while another release rolls out. A patch
// never creates: a missing Deployment is a 404.
func (k *Cluster) Scale(ctx context.Context, w pipeline.Workload) error {
	objs, err := Render(w)
	if err != nil {
		return err
	}
	for _, d := range objs.Deployments {
		if err := k.c.patch(ctx, deploymentsPath(w.Namespace)+"/"+d.Metadata.Name, ScaleFieldManager, scaleDeployment(d)); err != nil {
			return classify(fmt.Errorf("kube: scaling %s: %w", d.Metadata.Name, err))
		}
	}
	return nil
}

// Paths of the API. Names and namespaces are DNS labels (Render checks
// them), so they need no escaping.
const namespacesPath = "/api/v1/namespaces"

func deploymentsPath(ns string) string { return "/apis/apps/v1/namespaces/" + ns + "/deployments" }
func servicesPath(ns string) string    { return "/api/v1/namespaces/" + ns + "/services" }
func podsPath(ns string) string        { return "/api/v1/namespaces/" + ns + "/pods" }
func roleBindingsPath(ns string) string {
	return "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings"
}
