package pipelinetest

import "context"

// Remove records the removal, or fails with the next of RemoveErrs.
func (c *Cluster) Remove(_ context.Context, namespace, applicationID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.RemoveErrs) > 0 {
		err := c.RemoveErrs[0]
		c.RemoveErrs = c.RemoveErrs[1:]
		return err
	}
	c.Removed = append(c.Removed, namespace+"/"+applicationID)
	return nil
}

// Removals returns the removals so far.
func (c *Cluster) Removals() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.Removed...)
}
