// Package kube is the Kubernetes adapter: it runs pipeline workloads on a
// cluster (EKS in AWS) through the Kubernetes REST API, with net/http and
// encoding/json only (client-go is far too large for a Lambda function).
//
// Render turns a workload into objects: one apps/v1 Deployment per web*,
// worker* and tcp* process, and a ClusterIP Service per web* and tcp*
// process (see Render for the exact shape; release, migrate and other
// one-off processes get nothing), and one immutable Secret of the
// release's config that every pod takes its environment from
// (RenderConfigSecret). Cluster creates the Secret, applies the rest with
// server-side apply (field manager "slipway", forced), deletes the
// Deployments and Services of processes the release no longer has and the
// config Secrets no live ReplicaSet uses, reads rollout status from the
// Deployments, and scales. With Config.Routing, RenderIngresses adds one
// networking.k8s.io/v1 Ingress per web* process (its default host, and for
// "web" the custom domains; TLS by cert-manager, ALB + ACM or none),
// applied and pruned with the rest (ApplyRoutes alone for the route
// check), whose status RouteStatus reads.
//
// Authentication is a bearer token from a TokenSource: EKSToken makes the
// presigned-STS tokens of `aws eks get-token`; StaticToken serves local
// clusters and tests. The API server's certificate is checked against
// Config.CAData (the base64 PEM bundle EKS reports) when given.
//
// Errors from the API server are *APIError values carrying the Status
// reason and message. Conflicts, throttling, server errors and network
// failures are wrapped in a platform "unavailable" error, which the
// pipeline retries.
package kube
