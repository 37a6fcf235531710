package slipway_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/kube"
)

// TestEKSAccessEntries: the functions' EKS access entries hold no EKS
// access policy (no edit or admin at cluster scope) and put each role in
// the Kubernetes group that infra/kubernetes/rbac.yaml grants its rights.
func TestEKSAccessEntries(t *testing.T) {
	tpl, err := parseTemplate(readFile(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"ApplicationsFunctionRole": {kube.ScaleGroup},
		"PipelineFunctionRole":     {kube.PipelineGroup},
	}
	got := map[string][]string{}
	for _, id := range tpl.ids("AWS::EKS::AccessEntry") {
		props := m(tpl.resource(id)["Properties"])
		if _, ok := props["AccessPolicies"]; ok {
			t.Errorf("%s has AccessPolicies: the functions' Kubernetes rights are the RBAC of infra/kubernetes/rbac.yaml only", id)
		}
		role, ok := strings.CutSuffix(str(m(props["PrincipalArn"])["Fn::GetAtt"]), ".Arn")
		if _, known := want[role]; !ok || !known {
			t.Errorf("%s: principal %v is none of the functions' roles", id, props["PrincipalArn"])
			continue
		}
		for _, g := range list(props["KubernetesGroups"]) {
			got[role] = append(got[role], str(g))
		}
	}
	for role, groups := range want {
		if !slices.Equal(got[role], groups) {
			t.Errorf("%s's Kubernetes groups %v, want %v", role, got[role], groups)
		}
	}
}
