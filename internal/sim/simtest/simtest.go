// Package simtest helps tests that watch the simulators' log lines
// (sim.LogSink) state the lines they expect.
package simtest

import "fmt"

// Instances names the simulated instances, whose pod names are hashes,
// "<process>.<n>": n counts from 1 in the order a release's instances of
// the process first appear. The zero value is ready to use; it is not safe
// for concurrent use.
type Instances struct {
	names map[string]string // release/instance → name
	count map[string]int    // release/process → instances named
}

// Name is the name of the instance of process in release.
func (o *Instances) Name(release int64, process, instance string) string {
	key := fmt.Sprint(release, "/", instance)
	if name, ok := o.names[key]; ok {
		return name
	}
	if o.names == nil {
		o.names, o.count = map[string]string{}, map[string]int{}
	}
	of := fmt.Sprint(release, "/", process)
	o.count[of]++
	name := fmt.Sprintf("%s.%d", process, o.count[of])
	o.names[key] = name
	return name
}
