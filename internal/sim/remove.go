package sim

import "context"

// Remove forgets the application: its pods stop, its routes go, a later Scale or
// RolloutStatus finds nothing, and a later Apply starts it anew.
func (c *Cluster) Remove(_ context.Context, _ string, applicationID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.apps, applicationID)
	c.removeJobs(applicationID)
	c.routes.forget(applicationID)
	return nil
}

// Running reports whether the simulated cluster runs the application.
func (c *Cluster) Running(applicationID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apps[applicationID] != nil
}
