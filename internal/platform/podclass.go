package platform

import "sort"

// DefaultPodClass is the pod class of a process that was never given one.
const DefaultPodClass = "m1.large"

// PodClass is a named size for a process's pods: Kubernetes resource
// requests and limits.
type PodClass struct {
	Name          string
	CPURequest    string
	CPULimit      string
	MemoryRequest string
	MemoryLimit   string
}

var podClasses = map[string]PodClass{
	"m1.small":   {"m1.small", "125m", "250m", "256Mi", "384Mi"},
	"m1.medium":  {"m1.medium", "250m", "500m", "512Mi", "768Mi"},
	"m1.large":   {"m1.large", "500m", "1000m", "1024Mi", "1536Mi"},
	"c1.small":   {"c1.small", "250m", "375m", "256Mi", "384Mi"},
	"c1.medium":  {"c1.medium", "500m", "750m", "512Mi", "768Mi"},
	"c1.large":   {"c1.large", "1000m", "1500m", "1024Mi", "1536Mi"},
	"r1.small":   {"r1.small", "125m", "250m", "1024Mi", "1536Mi"},
	"r1.medium":  {"r1.medium", "250m", "500m", "1536Mi", "2304Mi"},
	"r1.large":   {"r1.large", "500m", "1000m", "2048Mi", "3072Mi"},
	"r1.xlarge":  {"r1.xlarge", "750m", "1500m", "2048Mi", "3072Mi"},
	"r1.2xlarge": {"r1.2xlarge", "1500m", "1500m", "4096Mi", "4096Mi"},
}

// LookupPodClass returns the pod class with the given name.
func LookupPodClass(name string) (PodClass, bool) {
	c, ok := podClasses[name]
	return c, ok
}

// PodClassNames lists every pod class name, sorted.
func PodClassNames() []string {
	names := make([]string, 0, len(podClasses))
	for n := range podClasses {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PodClassOf returns the pod class a process of the application runs with.
func (a *Application) PodClassOf(process string) PodClass {
	if c, ok := podClasses[a.ProcessPodClasses[process]]; ok {
		return c
	}
	return podClasses[DefaultPodClass]
}
