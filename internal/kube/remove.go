package kube

import (
	"context"
	"fmt"
	"net/url"
)

// removable are the collections Remove empties of an application's
// objects, in order: the Deployments first, so no pod is left serving
// behind a removed Service; then their Ingresses, the release phase's
// Jobs and the config Secrets their pods used (each needs RBAC list and
// delete).
var removable = []func(namespace string) string{deploymentsPath, servicesPath, ingressesPath, jobsPath, secretsPath}

// Remove deletes the application's objects in the namespace: for each
// removable collection, a list by the application-id and managed-by
// labels, then a delete of each object found (propagationPolicy
// Background, so their pods go with them; one already gone is not an
// error). Kubernetes verbs: list and delete on deployments (apps),
// services and secrets (core), ingresses (networking.k8s.io) and jobs (batch). A namespace that does not exist lists nothing.
func (k *Cluster) Remove(ctx context.Context, namespace, applicationID string) error {
	if applicationID == "" {
		return fmt.Errorf("kube: remove needs an application id")
	}
	selector := url.Values{"labelSelector": {LabelApplicationID + "=" + applicationID + "," + LabelManagedBy + "=" + ManagedBy}}
	for _, collection := range removable {
		var list ObjectList
		path := collection(namespace)
		if err := k.c.get(ctx, path, selector, &list); err != nil {
			if IsNotFound(err) {
				continue
			}
			return classify(err)
		}
		for _, item := range list.Items {
			if err := k.c.delete(ctx, path+"/"+item.Metadata.Name); err != nil {
				return classify(err)
			}
		}
	}
	return nil
}

// Remove on an unconfigured cluster fails like every other call.
func (unconfigured) Remove(context.Context, string, string) error { return ErrNoCluster }
