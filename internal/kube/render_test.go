package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

const appID = "0190f0c4-7a3e-7c2e-9d1a-3b5e8f0a1c2d"

func testWorkload() pipeline.Workload {
	small, _ := platform.LookupPodClass("m1.small")
	return pipeline.Workload{
		Namespace: "acme", Name: "shop-api", ApplicationID: appID, ReleaseID: "rel", ReleaseVersion: 7,
		ImageURI: "123.dkr.ecr.us-east-1.amazonaws.com/apps@sha256:abc",
		Processes: map[string]string{
			"web": "gunicorn app:app", "worker": "./bin/worker", "tcp-mqtt": "./bin/mqtt", "release": "./bin/migrate",
		},
		ProcessCounts:    map[string]int{"web": 2, "tcp-mqtt": 1, "release": 3},
		PodClasses:       map[string]platform.PodClass{"worker": small},
		HealthCheckPath:  "/_health/",
		HealthCheckHost:  "api.example.com",
		OrganizationSlug: "acme", ProjectSlug: "shop", ApplicationSlug: "api", Domains: []string{"www.example.com"},
	}
}

// The web process's Deployment, in full.
const wantWebDeployment = `{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "shop-api-web", "namespace": "acme", "labels": {
    "app.kubernetes.io/instance": "shop-api-web", "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
    "slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "web", "slipway.dev/release-version": "7"}},
  "spec": {
    "replicas": 2,
    "selector": {"matchLabels": {"slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "web"}},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
    "progressDeadlineSeconds": 600,
    "revisionHistoryLimit": 5,
    "template": {
      "metadata": {"labels": {
        "app.kubernetes.io/instance": "shop-api-web", "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
        "slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "web", "slipway.dev/release-version": "7"}},
      "spec": {
        "automountServiceAccountToken": false,
        "enableServiceLinks": false,
        "containers": [{
          "name": "web",
          "image": "123.dkr.ecr.us-east-1.amazonaws.com/apps@sha256:abc",
          "command": ["/bin/sh", "-c", "gunicorn app:app"],
          "env": [{"name": "PORT", "value": "8000"}],
          "envFrom": [{"secretRef": {"name": "shop-api-config-v7"}}],
          "ports": [{"name": "web", "containerPort": 8000, "protocol": "TCP"}],
          "resources": {"requests": {"cpu": "500m", "memory": "1024Mi"}, "limits": {"cpu": "1000m", "memory": "1536Mi"}},
          "readinessProbe": {"httpGet": {"path": "/_health/", "port": 8000, "httpHeaders": [{"name": "Host", "value": "api.example.com"}]},
            "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 3},
          "livenessProbe": {"httpGet": {"path": "/_health/", "port": 8000, "httpHeaders": [{"name": "Host", "value": "api.example.com"}]},
            "initialDelaySeconds": 30, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 6},
          "securityContext": {"allowPrivilegeEscalation": false}
        }]
      }
    }
  }
}`

const wantWebService = `{
  "apiVersion": "v1", "kind": "Service",
  "metadata": {"name": "shop-api-web", "namespace": "acme", "labels": {
    "app.kubernetes.io/instance": "shop-api-web", "app.kubernetes.io/managed-by": "slipway", "app.kubernetes.io/name": "shop-api",
    "slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "web", "slipway.dev/release-version": "7"}},
  "spec": {"type": "ClusterIP",
    "selector": {"slipway.dev/application-id": "` + appID + `", "slipway.dev/process": "web"},
    "ports": [{"name": "web", "port": 80, "targetPort": 8000, "protocol": "TCP"}]}
}`

func TestRenderWebInFull(t *testing.T) {
	objs, err := Render(testWorkload())
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, "web Deployment", objs.Deployments[1], wantWebDeployment)
	assertJSON(t, "web Service", objs.Services[1], wantWebService)
}

// assertJSON compares got's JSON with want, ignoring formatting.
func assertJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	gotJSON, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	_ = json.Unmarshal(gotJSON, &g)
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	gn, _ := json.MarshalIndent(g, "", " ")
	wn, _ := json.MarshalIndent(w, "", " ")
	if string(gn) != string(wn) {
		t.Fatalf("%s:\n got %s\nwant %s", what, gn, wn)
	}
}

func TestRenderProcesses(t *testing.T) {
	objs, err := Render(testWorkload())
	if err != nil {
		t.Fatal(err)
	}
	var names, services []string
	for _, d := range objs.Deployments {
		names = append(names, d.Metadata.Name)
	}
	for _, s := range objs.Services {
		services = append(services, s.Metadata.Name+":"+jsonOf(s.Spec.Ports))
	}
	if got := strings.Join(names, " "); got != "shop-api-tcp-mqtt shop-api-web shop-api-worker" {
		t.Fatalf("deployments %s (release must not get one)", got)
	}
	want := `shop-api-tcp-mqtt:[{"name":"tcp","port":8000,"targetPort":8000,"protocol":"TCP"}] ` +
		`shop-api-web:[{"name":"web","port":80,"targetPort":8000,"protocol":"TCP"}]`
	if got := strings.Join(services, " "); got != want {
		t.Fatalf("services %s", got)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRenderContainerVariants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*pipeline.Workload)
		process string
		// want maps a JSON path inside the container (or "replicas") to its JSON.
		want map[string]string
	}{
		{name: "worker: no port, env or probes; its pod class", process: "worker", want: map[string]string{
			"env": "null", "ports": "null", "readinessProbe": "null", "livenessProbe": "null",
			"resources": `{"requests":{"cpu":"125m","memory":"256Mi"},"limits":{"cpu":"250m","memory":"384Mi"}}`,
			"replicas":  "0",
		}},
		{name: "tcp: TCP probes", process: "tcp-mqtt", want: map[string]string{
			"env":            `[{"name":"PORT","value":"8000"}]`,
			"readinessProbe": `{"tcpSocket":{"port":8000},"periodSeconds":5,"timeoutSeconds":3,"failureThreshold":3}`,
			"livenessProbe":  `{"tcpSocket":{"port":8000},"initialDelaySeconds":30,"periodSeconds":10,"timeoutSeconds":5,"failureThreshold":6}`,
			"replicas":       "1",
		}},
		{name: "web without health check host: no Host header", process: "web",
			change: func(w *pipeline.Workload) { w.HealthCheckHost = "" },
			want: map[string]string{
				"readinessProbe": `{"httpGet":{"path":"/_health/","port":8000},"periodSeconds":5,"timeoutSeconds":3,"failureThreshold":3}`,
			}},
		{name: "web without health check path: the default", process: "web",
			change: func(w *pipeline.Workload) { w.HealthCheckPath, w.HealthCheckHost = "", "" },
			want: map[string]string{
				"livenessProbe": `{"httpGet":{"path":"/_health/","port":8000},"initialDelaySeconds":30,"periodSeconds":10,"timeoutSeconds":5,"failureThreshold":6}`,
			}},
		{name: "custom health check path", process: "web",
			change: func(w *pipeline.Workload) { w.HealthCheckPath = "/status" },
			want: map[string]string{
				"readinessProbe": `{"httpGet":{"path":"/status","port":8000,"httpHeaders":[{"name":"Host","value":"api.example.com"}]},"periodSeconds":5,"timeoutSeconds":3,"failureThreshold":3}`,
			}},
		{name: "privileged", process: "worker",
			change: func(w *pipeline.Workload) { w.Privileged = true },
			want:   map[string]string{"securityContext": `{"privileged":true}`}},
		{name: "not privileged", process: "worker",
			want: map[string]string{"securityContext": `{"allowPrivilegeEscalation":false}`}},
		{name: "pod class without a name: the default", process: "worker",
			change: func(w *pipeline.Workload) { w.PodClasses = map[string]platform.PodClass{"worker": {}} },
			want: map[string]string{
				"resources": `{"requests":{"cpu":"500m","memory":"1024Mi"},"limits":{"cpu":"1000m","memory":"1536Mi"}}`,
			}},
		{name: "negative count is zero", process: "web",
			change: func(w *pipeline.Workload) { w.ProcessCounts = map[string]int{"web": -1} },
			want:   map[string]string{"replicas": "0"}},
		{name: "nil counts", process: "web",
			change: func(w *pipeline.Workload) { w.ProcessCounts = nil },
			want:   map[string]string{"replicas": "0"}},
		{name: "shell command kept whole", process: "worker",
			change: func(w *pipeline.Workload) { w.Processes["worker"] = "cd app && exec ./run --queue=\"a b\"" },
			want:   map[string]string{"command": `["/bin/sh","-c","cd app \u0026\u0026 exec ./run --queue=\"a b\""]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorkload()
			if tc.change != nil {
				tc.change(&w)
			}
			objs, err := Render(w)
			if err != nil {
				t.Fatal(err)
			}
			d := findDeployment(t, objs, "shop-api-"+tc.process)
			var container map[string]json.RawMessage
			_ = json.Unmarshal([]byte(jsonOf(d.Spec.Template.Spec.Containers[0])), &container)
			container["replicas"] = json.RawMessage(jsonOf(d.Spec.Replicas))
			for field, want := range tc.want {
				got := string(container[field])
				if got == "" {
					got = "null"
				}
				if got != want {
					t.Errorf("%s = %s, want %s", field, got, want)
				}
			}
		})
	}
}

func findDeployment(t *testing.T, objs Objects, name string) Deployment {
	t.Helper()
	for _, d := range objs.Deployments {
		if d.Metadata.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %s", name)
	return Deployment{}
}

func TestRenderRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*pipeline.Workload)
		wantErr string
	}{
		{"namespace", func(w *pipeline.Workload) { w.Namespace = "Acme" }, `kube: namespace "Acme" is not a DNS label`},
		{"empty name", func(w *pipeline.Workload) { w.Name = "" }, `kube: workload name "" must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`},
		{"application id", func(w *pipeline.Workload) { w.ApplicationID = "a b" }, `kube: application id "a b" is not a label value`},
		{"no image", func(w *pipeline.Workload) { w.ImageURI = "" }, "kube: workload shop-api has no image"},
		// The real server accepts both Deployments; the first makes no pods, the second is a 422.
		{"image with a space", func(w *pipeline.Workload) { w.ImageURI = "nginx latest" }, `kube: image "nginx latest" of workload shop-api contains whitespace`},
		{"negative release version", func(w *pipeline.Workload) { w.ReleaseVersion = -1 }, "kube: release version -1 of workload shop-api is negative (not a label value)"},
		{"process name", func(w *pipeline.Workload) { w.Processes["Web"] = "x" }, `kube: process name "Web" is not a DNS label`},
		{"empty command", func(w *pipeline.Workload) { w.Processes["web"] = " " }, "kube: process web has no command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorkload()
			tc.change(&w)
			if _, err := Render(w); err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestScaleDeploymentIsPartial(t *testing.T) {
	objs, _ := Render(testWorkload())
	got := scaleDeployment(findDeployment(t, objs, "shop-api-web"))
	assertJSON(t, "scale body", got, `{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": {"name": "shop-api-web", "namespace": "acme"},
		"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web",
			"resources": {"requests": {"cpu": "500m", "memory": "1024Mi"}, "limits": {"cpu": "1000m", "memory": "1536Mi"}}}]}}}}`)
}

func TestObjectName(t *testing.T) {
	long := strings.Repeat("a", 40) + "-" + strings.Repeat("b", 20)
	for _, tc := range []struct {
		workload, process, want string
	}{
		{"shop-api", "web", "shop-api-web"},
		{"shop-api", "worker-emails", "shop-api-worker-emails"},
		{"1shop-api", "web", "p1shop-api-web-" + hash10("1shop-api-web")},
		{long, "web", (long + "-web")[:52] + "-" + hash10(long+"-web")},
		{long, "worker", strings.TrimRight((long + "-worker")[:52], "-") + "-" + hash10(long+"-worker")},
	} {
		got := ObjectName(tc.workload, tc.process)
		if got != tc.want || len(got) > 63 || !dns1035.MatchString(got) {
			t.Errorf("ObjectName(%q, %q) = %q, want %q", tc.workload, tc.process, got, tc.want)
		}
	}
	if labelValue(long+"-"+long) == labelValue(long+"-"+long+"x") {
		t.Error("shortened label values collide")
	}
}

func hash10(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:5])
}
