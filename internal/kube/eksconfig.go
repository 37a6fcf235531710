package kube

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// ErrNoCluster is what an unconfigured cluster answers.
var ErrNoCluster = errors.New("kube: no cluster is configured (EKS_ENDPOINT is empty)")

// NewEKS returns the EKS cluster at endpoint, authenticated with IAM
// (presigned STS tokens for clusterName), exposing web processes by
// routing. With no endpoint (sam local
// without a cluster) it returns a cluster that fails every call with
// ErrNoCluster, so the functions still start.
func NewEKS(cfg aws.Config, clusterName, endpoint, caData string, routing Routing) (RoutedCluster, error) {
	if endpoint == "" {
		return unconfigured{}, nil
	}
	return New(Config{Server: endpoint, CAData: []byte(caData), ClusterName: clusterName, Token: NewEKSToken(cfg, clusterName), Routing: routing})
}

// RoutedCluster runs workloads and routes their web processes.
type RoutedCluster interface {
	pipeline.Cluster
	pipeline.Router
}

type unconfigured struct{}

func (unconfigured) Apply(context.Context, pipeline.Workload) error { return ErrNoCluster }
func (unconfigured) Scale(context.Context, pipeline.Workload) error { return ErrNoCluster }
func (unconfigured) RolloutStatus(context.Context, pipeline.Workload) (pipeline.RolloutStatus, error) {
	return pipeline.RolloutStatus{}, ErrNoCluster
}
