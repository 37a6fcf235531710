// Package cloudwatch is the Amazon CloudWatch adapter of the observability
// endpoint: Source reads an application's usage history from the metrics
// Container Insights (with enhanced observability, the Amazon CloudWatch
// Observability EKS add-on) publishes for the cluster's pods, with ONE
// GetMetricData call per request (more only when CloudWatch paginates).
//
// Per long-running process of the application's newest release it asks
// for four series of the ContainerInsights namespace, dimensions
// ClusterName (EKS_CLUSTER_NAME), Namespace (platform.OrganizationNamespace) and
// PodName, which Container Insights sets to the name of the pod's
// Deployment — kube.ObjectName of the workload and the process, the very
// name the Kubernetes adapter gives the Deployment:
//
//	pod_cpu_usage_total               Sum          millicores, one value a pod a report
//	pod_cpu_usage_total               SampleCount  pod reports
//	pod_memory_working_set            Sum          bytes
//	pod_number_of_container_restarts  Sum          restarts since the pod's previous report
//
// all with Period = the step. The agent reports every pod once per
// Interval (60 s, its metrics_collection_interval; see
// infra/cloudwatch-agent), so a step of k intervals gives, summed over
// the processes: CPU = Sum/k and memory = Sum/k (averages over the step of
// the pods' total), pods = SampleCount/k rounded, restarts = Sum (the agent
// already reports restarts as differences, never as a cumulative count). A
// step without any pod report has no data. docs/observability.md has the
// evidence and the arithmetic.
//
// The SDK's default protocol for CloudWatch is Smithy RPC v2 CBOR, which
// AWS speaks; local emulators such as moto speak only the older query
// protocol, so a client with a custom endpoint (NewClient) uses that.
package cloudwatch
