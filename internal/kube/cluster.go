package kube

import (
	"context"
	"fmt"
	"net/url"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// The field managers of server-side apply. Apply owns the whole objects.
// Scale owns only replicas and container resources, under a manager of its
// own: re-applying a partial object as "slipway" would tell the server that
// Slipway no longer wants every other field, and it would remove them.
const (
	FieldManager      = "slipway"
	ScaleFieldManager = "slipway-scale"
)

// Cluster runs workloads on a Kubernetes cluster (pipeline.Cluster).
type Cluster struct {
	c *client
}

var _ pipeline.Cluster = (*Cluster)(nil)

// New returns a Cluster for the API server cfg names.
func New(cfg Config) (*Cluster, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Cluster{c: c}, nil
}

// Apply applies the workload's namespace, Deployments and Services, then
// deletes the Deployments and Services of the application (by label) that
// the workload no longer renders. Processes with no replicas keep their
// Deployment, scaled to zero.
func (k *Cluster) Apply(ctx context.Context, w pipeline.Workload) error {
	objs, err := Render(w)
	if err != nil {
		return err
	}
	ns := Namespace{APIVersion: "v1", Kind: "Namespace", Metadata: ObjectMeta{Name: w.Namespace, Labels: map[string]string{LabelManagedBy: ManagedBy}}}
	if err := k.c.apply(ctx, namespacePath(w.Namespace), FieldManager, ns); err != nil {
		return classify(err)
	}
	deployments, services := map[string]bool{}, map[string]bool{}
	for _, d := range objs.Deployments {
		deployments[d.Metadata.Name] = true
		if err := k.c.apply(ctx, deploymentsPath(w.Namespace)+"/"+d.Metadata.Name, FieldManager, d); err != nil {
			return classify(err)
		}
	}
	for _, s := range objs.Services {
		services[s.Metadata.Name] = true
		if err := k.c.apply(ctx, servicesPath(w.Namespace)+"/"+s.Metadata.Name, FieldManager, s); err != nil {
			return classify(err)
		}
	}
	if err := k.prune(ctx, w, deploymentsPath(w.Namespace), deployments); err != nil {
		return classify(err)
	}
	return classify(k.prune(ctx, w, servicesPath(w.Namespace), services))
}

// prune deletes the application's objects in the collection that are not
// in keep.
func (k *Cluster) prune(ctx context.Context, w pipeline.Workload, collection string, keep map[string]bool) error {
	var list ObjectList
	selector := LabelApplicationID + "=" + w.ApplicationID + "," + LabelManagedBy + "=" + ManagedBy
	if err := k.c.get(ctx, collection, url.Values{"labelSelector": {selector}}, &list); err != nil {
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

// RolloutStatus reads every Deployment of the workload; see rolloutOf for
// when a rollout is done or failed. A Deployment that does not exist is an
// error.
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
	return rolloutOf(live), nil
}

// Scale applies, as ScaleFieldManager, each Deployment's replicas and
// container resources and nothing else: the image and command stay as
// they are, even while another release rolls out.
func (k *Cluster) Scale(ctx context.Context, w pipeline.Workload) error {
	objs, err := Render(w)
	if err != nil {
		return err
	}
	for _, d := range objs.Deployments {
		if err := k.c.apply(ctx, deploymentsPath(w.Namespace)+"/"+d.Metadata.Name, ScaleFieldManager, scaleDeployment(d)); err != nil {
			return classify(fmt.Errorf("kube: scaling %s: %w", d.Metadata.Name, err))
		}
	}
	return nil
}

// Paths of the API. Names and namespaces are DNS labels (Render checks
// them), so they need no escaping.
func namespacePath(ns string) string   { return "/api/v1/namespaces/" + ns }
func deploymentsPath(ns string) string { return "/apis/apps/v1/namespaces/" + ns + "/deployments" }
func servicesPath(ns string) string    { return "/api/v1/namespaces/" + ns + "/services" }
