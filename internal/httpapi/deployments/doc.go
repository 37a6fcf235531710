// Package deployments serves the DeploymentsFunction group: Full Deploy,
// List Deployments, Pipeline Status and Pipeline Metrics.
package deployments
