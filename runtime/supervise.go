package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// superviseTask runs a task until ctx ends. A run that fails (an error, a
// panic of an in-process task, a dead plugin process) marks the task FAILED
// and is restarted after a backoff that doubles from
// task.restart.backoff.initial.ms to task.restart.backoff.max.ms, and falls
// back to the initial value once a run lasted longer than the maximum. Every
// run resumes from the committed offsets.
func (w *Worker) superviseTask(ctx context.Context, conn *ConnectorConfig, id TaskID, cfg map[string]string) {
	log := w.logger.With("connector", id.Connector, "task", id.Task)
	backoff := w.cfg.RestartBackoffInitial
	for restart := false; ; restart = true {
		w.setStatus(id, Running, "", restart)
		started := time.Now()
		err := w.runTaskOnce(ctx, conn, id, cfg, log)
		if ctx.Err() != nil {
			if err != nil {
				log.Warn("task stopped with an error", "err", err)
			}
			w.setStatus(id, Unassigned, "", false)
			log.Info("task stopped")
			return
		}
		if err == nil {
			err = fmt.Errorf("task ended without being stopped")
		}
		if time.Since(started) > w.cfg.RestartBackoffMax {
			backoff = w.cfg.RestartBackoffInitial
		}
		w.setStatus(id, Failed, err.Error(), false)
		log.Error("task failed; restarting", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			w.setStatus(id, Unassigned, "", false)
			return
		case <-t.C:
		}
		backoff = min(2*backoff, w.cfg.RestartBackoffMax)
	}
}

// runTaskOnce runs one instance and turns a panic into an error.
func (w *Worker) runTaskOnce(ctx context.Context, conn *ConnectorConfig, id TaskID, cfg map[string]string, log *slog.Logger) (err error) {
	defer recoverTask(&err)
	// Config providers are resolved at every start, never stored.
	if cfg, err = ResolveConfig(cfg); err != nil {
		return err
	}
	if conn.Spec.Kind == sdk.Sink {
		return w.runSink(ctx, conn, id, cfg, log)
	}
	return w.runSource(ctx, conn, id, cfg, log)
}

// recoverTask turns a panic of an in-process task into *err.
func recoverTask(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("task panicked: %v", p)
	}
}
