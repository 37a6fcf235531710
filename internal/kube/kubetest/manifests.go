package kubetest

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ApplyManifests server-side-applies, as admin, every object of the YAML
// file (as `kubectl apply --server-side -f` would), e.g.
// infra/kubernetes/rbac.yaml.
func (cp *ControlPlane) ApplyManifests(t testing.TB, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if obj == nil {
			continue
		}
		cp.MustDo(t, http.MethodPatch, ObjectPath(obj)+"?fieldManager=kubetest&force=true", obj)
	}
}

// ObjectPath is the API path of an object given as a map (apiVersion,
// kind, metadata.name and, for namespaced objects, metadata.namespace).
func ObjectPath(obj map[string]any) string {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	path := "/apis/" + apiVersion
	if apiVersion == "v1" {
		path = "/api/v1"
	}
	if ns != "" {
		path += "/namespaces/" + ns
	}
	plural := strings.ToLower(kind) + "s"
	if strings.HasSuffix(plural, "ys") {
		plural = strings.TrimSuffix(plural, "ys") + "ies"
	}
	return path + "/" + plural + "/" + name
}
