package devstack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/kube/kubeconfig"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// ClusterSpecHelp documents the values ClusterFromSpec accepts.
const ClusterSpecHelp = `"sim" (the cluster simulator, the default) or "kubeconfig=PATH[,context=NAME]" (a real cluster: kwok, kind, any cluster the kubeconfig reaches with a token or a client certificate)`

// ClusterFromSpec reads the value of `slipway dev --cluster`: empty or
// "sim" is the simulator (nil), "kubeconfig=PATH[,context=NAME]" the
// cluster of that kubeconfig context (the current one by default).
func ClusterFromSpec(spec string) (pipeline.Cluster, error) {
	if spec == "" || spec == "sim" {
		return nil, nil
	}
	var path, contextName string
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		switch {
		case ok && k == "kubeconfig" && v != "":
			path = v
		case ok && k == "context" && v != "":
			contextName = v
		default:
			return nil, fmt.Errorf("--cluster %q: want %s", spec, ClusterSpecHelp)
		}
	}
	if path == "" {
		return nil, fmt.Errorf("--cluster %q: no kubeconfig=PATH; want %s", spec, ClusterSpecHelp)
	}
	cfg, err := kubeconfig.Load(path, contextName)
	if err != nil {
		return nil, err
	}
	// Web processes get Ingresses on the local apps domain, without TLS
	// (a local cluster has no public certificate issuer).
	cfg.Routing = kube.Routing{AppsDomain: platform.DefaultAppsDomain, TLS: kube.TLSNone}
	return kube.New(cfg)
}

// noHistory is the observability source when the local system drives a
// real cluster: it has no local metrics source (Container Insights is
// AWS's), so it returns no points and every step of the history is null,
// never invented numbers.
type noHistory struct{}

func (noHistory) History(context.Context, platform.Application, platform.UsageWindow) ([]platform.UsagePoint, error) {
	return nil, nil
}
