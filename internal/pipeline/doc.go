// Package pipeline runs Full Deploy: build → release → deploy → wait for
// rollout → finish. It holds the step handlers the state machine calls,
// the starter that launches an execution (Step Functions or the local
// executor), and the interfaces of the two outside systems a pipeline
// drives: the Builder (CodeBuild) and the Cluster (Kubernetes). The route
// check (routes.go) keeps the cluster's Ingresses and the custom domains'
// statuses in step between deploys.
package pipeline
