package host

import (
	"time"
)

const (
	defaultHealthInterval = 5 * time.Second
	defaultHealthTimeout  = 15 * time.Second
)

// checkHealth pings the plugin every HealthInterval until the process exits
// or Stop begins. A process that does not answer within HealthTimeout (a
// deadlock, a SIGSTOP, a livelock starving its gRPC server) is killed, so
// Exited closes and the runtime restarts the task, instead of a task that
// hangs forever.
func (p *Process) checkHealth() {
	interval, timeout := p.plugin.HealthInterval, p.plugin.HealthTimeout
	if interval <= 0 {
		interval = defaultHealthInterval
	}
	if timeout <= 0 {
		timeout = defaultHealthTimeout
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-p.life.Done():
			return
		case <-tick.C:
		}
		answered := make(chan error, 1)
		go func() {
			c, err := p.client.Client()
			if err == nil {
				err = c.Ping() // go-plugin's gRPC health check; it has no deadline of its own
			}
			answered <- err
		}()
		select {
		case <-p.life.Done():
			return
		case err := <-answered:
			if err != nil && p.life.Err() == nil {
				p.logger.Debug("plugin health check failed", "err", err)
			}
		case <-time.After(timeout):
			p.logger.Error("plugin did not answer its health check; killing it", "plugin", p.plugin.Name, "timeout", timeout)
			p.hung.Store(true)
			_ = p.runner.Kill(p.life)
			return
		}
	}
}
