package kube

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// The fixed parts of every rendered workload.
const (
	// AppPort is where web and tcp processes listen ($PORT).
	AppPort = 8000
	// ProgressDeadlineSeconds is how long a Deployment may make no
	// progress before Kubernetes marks it ProgressDeadlineExceeded.
	ProgressDeadlineSeconds = 600
	// RevisionHistoryLimit is how many old ReplicaSets a Deployment keeps.
	RevisionHistoryLimit = 5
)

// Objects are the Kubernetes objects of a workload, by process name.
type Objects struct {
	Deployments []Deployment
	Services    []Service
	// ConfigSecret is the release's config (RenderConfigSecret).
	ConfigSecret Secret
}

var (
	labelValueRe   = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
	workloadNameRe = regexp.MustCompile(platform.SlugPattern)
)

// Render returns the objects that run the workload: for every process
// whose name starts with "web", "worker" or "tcp" (procfile.KindOf) one
// Deployment named ObjectName(w.Name, process), and for web and tcp
// processes one ClusterIP Service of the same name (web: port 80 → 8000,
// tcp: 8000 → 8000). Other processes (release, migrate, ...) are one-off
// commands and get no objects.
//
// Each container runs the Procfile command as `/bin/sh -c <command>` (so
// the image needs /bin/sh, and shell syntax works as on Heroku), with
// PORT=8000 for web and tcp processes, the pod class's requests and limits
// (platform.DefaultPodClass when none is given), HTTP probes on the health
// check path for web (with a Host header when a health check host is set),
// TCP probes for tcp and none for workers. Containers are privileged only
// for a privileged workload; otherwise privilege escalation is off, but
// running as root is allowed. Every container takes the rest of its
// environment from the release's config Secret (RenderConfigSecret).
func Render(w pipeline.Workload) (Objects, error) {
	if err := checkWorkload(w); err != nil {
		return Objects{}, err
	}
	secret, err := RenderConfigSecret(w)
	if err != nil {
		return Objects{}, err
	}
	objs := Objects{ConfigSecret: secret}
	for _, process := range sortedProcesses(w) {
		kind := procfile.KindOf(process)
		if !kind.LongRunning() {
			continue
		}
		objs.Deployments = append(objs.Deployments, renderDeployment(w, process, kind))
		if kind.Serves() {
			objs.Services = append(objs.Services, renderService(w, process, kind))
		}
	}
	return objs, nil
}

func checkWorkload(w pipeline.Workload) error {
	switch {
	case !platform.IsDNSLabel(w.Namespace):
		return fmt.Errorf("kube: namespace %q is not a DNS label", w.Namespace)
	case len(w.Name) > 253 || !workloadNameRe.MatchString(w.Name):
		return fmt.Errorf("kube: workload name %q must match %s", w.Name, platform.SlugPattern)
	case w.ApplicationID == "" || len(w.ApplicationID) > maxName || !labelValueRe.MatchString(w.ApplicationID):
		return fmt.Errorf("kube: application id %q is not a label value", w.ApplicationID)
	case w.ImageURI == "":
		return fmt.Errorf("kube: workload %s has no image", w.Name)
	case strings.IndexFunc(w.ImageURI, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		// The API server accepts such a Deployment, but none of its pods can be created.
		return fmt.Errorf("kube: image %q of workload %s contains whitespace", w.ImageURI, w.Name)
	case w.ReleaseVersion < 0:
		return fmt.Errorf("kube: release version %d of workload %s is negative (not a label value)", w.ReleaseVersion, w.Name)
	}
	for name, command := range w.Processes {
		if !platform.IsDNSLabel(name) {
			return fmt.Errorf("kube: process name %q is not a DNS label", name)
		}
		if procfile.KindOf(name).LongRunning() && strings.TrimSpace(command) == "" {
			return fmt.Errorf("kube: process %s has no command", name)
		}
	}
	return nil
}

func sortedProcesses(w pipeline.Workload) []string {
	names := make([]string, 0, len(w.Processes))
	for n := range w.Processes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// labels are the labels of a process's objects and pods; selector is the
// part that selects its pods (never changes for the process).
func labels(w pipeline.Workload, process string) (labels, selector map[string]string) {
	selector = map[string]string{LabelApplicationID: w.ApplicationID, LabelProcess: process}
	labels = map[string]string{
		LabelName:           labelValue(w.Name),
		LabelInstance:       ObjectName(w.Name, process),
		LabelManagedBy:      ManagedBy,
		LabelReleaseVersion: strconv.FormatInt(w.ReleaseVersion, 10),
	}
	for k, v := range selector {
		labels[k] = v
	}
	return labels, selector
}

func renderDeployment(w pipeline.Workload, process string, kind procfile.Kind) Deployment {
	lbls, selector := labels(w, process)
	replicas := int32(max(0, w.ProcessCounts[process]))
	maxUnavailable, maxSurge := Int(0), Str("25%")
	return Deployment{
		APIVersion: "apps/v1",
		Kind:       "Deployment",
		Metadata:   ObjectMeta{Name: ObjectName(w.Name, process), Namespace: w.Namespace, Labels: lbls},
		Spec: DeploymentSpec{
			Replicas: &replicas,
			Selector: &LabelSelector{MatchLabels: selector},
			Strategy: &DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: &RollingUpdateDeployment{
				MaxUnavailable: &maxUnavailable, MaxSurge: &maxSurge,
			}},
			ProgressDeadlineSeconds: ProgressDeadlineSeconds,
			RevisionHistoryLimit:    ptr(int32(RevisionHistoryLimit)),
			Template: PodTemplate{
				Metadata: ObjectMeta{Labels: lbls},
				Spec:     podSpec(w, process, kind),
			},
		},
	}
}

// podSpec is the pod spec of a process: one container running its command
// with the release's config Secret as its environment (configEnvFrom).
func podSpec(w pipeline.Workload, process string, kind procfile.Kind) PodSpec {
	container := Container{
		Name:      process,
		Image:     w.ImageURI,
		Command:   []string{"/bin/sh", "-c", w.Processes[process]},
		Resources: resources(podClass(w, process)),
		EnvFrom:   configEnvFrom(w),
	}
	if kind.Serves() {
		container.Env = []EnvVar{{Name: "PORT", Value: strconv.Itoa(AppPort)}}
		container.Ports = []ContainerPort{{Name: string(kind), ContainerPort: AppPort, Protocol: "TCP"}}
		container.ReadinessProbe, container.LivenessProbe = probes(w, kind)
	}
	if w.Privileged {
		container.SecurityContext = &SecurityContext{Privileged: ptr(true)}
	} else {
		container.SecurityContext = &SecurityContext{AllowPrivilegeEscalation: ptr(false)}
	}
	return PodSpec{
		AutomountServiceAccountToken: ptr(false),
		EnableServiceLinks:           ptr(false),
		Containers:                   []Container{container},
	}
}

// probes are the readiness and liveness probes of a web or tcp process.
func probes(w pipeline.Workload, kind procfile.Kind) (readiness, liveness *Probe) {
	readiness = &Probe{PeriodSeconds: 5, TimeoutSeconds: 3, FailureThreshold: 3}
	liveness = &Probe{InitialDelaySeconds: 30, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 6}
	for _, p := range []*Probe{readiness, liveness} {
		if kind == procfile.KindTCP {
			p.TCPSocket = &TCPSocketAction{Port: Int(AppPort)}
			continue
		}
		path := w.HealthCheckPath
		if path == "" {
			path = platform.DefaultHealthCheckPath
		}
		p.HTTPGet = &HTTPGetAction{Path: path, Port: Int(AppPort)}
		if w.HealthCheckHost != "" {
			p.HTTPGet.HTTPHeaders = []HTTPHeader{{Name: "Host", Value: w.HealthCheckHost}}
		}
	}
	return readiness, liveness
}

func renderService(w pipeline.Workload, process string, kind procfile.Kind) Service {
	lbls, selector := labels(w, process)
	port := int32(AppPort)
	if kind == procfile.KindWeb {
		port = 80
	}
	return Service{
		APIVersion: "v1",
		Kind:       "Service",
		Metadata:   ObjectMeta{Name: ObjectName(w.Name, process), Namespace: w.Namespace, Labels: lbls},
		Spec: ServiceSpec{
			Type:     "ClusterIP",
			Selector: selector,
			Ports:    []ServicePort{{Name: string(kind), Port: port, TargetPort: Int(AppPort), Protocol: "TCP"}},
		},
	}
}

// podClass is the process's pod class, the default one when unset.
func podClass(w pipeline.Workload, process string) platform.PodClass {
	if c, ok := w.PodClasses[process]; ok && c.Name != "" {
		return c
	}
	c, _ := platform.LookupPodClass(platform.DefaultPodClass)
	return c
}

func resources(c platform.PodClass) ResourceRequirements {
	return ResourceRequirements{
		Requests: map[string]string{"cpu": c.CPURequest, "memory": c.MemoryRequest},
		Limits:   map[string]string{"cpu": c.CPULimit, "memory": c.MemoryLimit},
	}
}

// scaleDeployment is the partial Deployment Scale applies: only the
// replicas and the container's resources.
func scaleDeployment(full Deployment) Deployment {
	c := full.Spec.Template.Spec.Containers[0]
	return Deployment{
		APIVersion: full.APIVersion,
		Kind:       full.Kind,
		Metadata:   ObjectMeta{Name: full.Metadata.Name, Namespace: full.Metadata.Namespace},
		Spec: DeploymentSpec{
			Replicas: full.Spec.Replicas,
			Template: PodTemplate{Spec: PodSpec{Containers: []Container{{Name: c.Name, Resources: c.Resources}}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }
