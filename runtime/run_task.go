package runtime

import (
	"context"
	"maps"
	"strconv"
)

// RunTask runs one task of conn until ctx ends, restarting it with backoff
// when it fails, exactly as Run does for each of its tasks. cfg is the
// task's config as the connector generated it; "task.id" is set here. A
// distributed herder calls it once per task it is assigned, so tasks start
// and stop one by one instead of all at once.
func (w *Worker) RunTask(ctx context.Context, conn *ConnectorConfig, id TaskID, cfg map[string]string) {
	cfg = maps.Clone(cfg)
	if cfg == nil {
		cfg = map[string]string{}
	}
	cfg["task.id"] = strconv.Itoa(id.Task)
	w.setStatus(id, Unassigned, "", false)
	w.superviseTask(ctx, conn, id, cfg)
}
