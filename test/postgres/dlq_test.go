package postgres

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/connectors/postgres/pgtest"
	"github.com/sluicehq/sluice/dlq"
)

// TestUnmappableValueToDLQ: through a worker process and the plugin, a
// row with a value the connector cannot map (a two-dimensional array)
// goes to the dead-letter queue under errors.tolerance=all, with stage
// TASK_POLL, the connector's class and a message naming the column, and
// its raw row; the rows around it reach their topic.
func TestUnmappableValueToDLQ(t *testing.T) {
	db := pgtest.NewDB(t, "sluice_pgdlq")
	conn, err := pgx.Connect(context.Background(), pgtest.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, q := range []string{
		`CREATE TABLE grid (id int PRIMARY KEY, cells int[])`,
		`INSERT INTO grid VALUES (1, '{1,2}'), (2, '{{1,2},{3,4}}')`,
	} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	bootstrap := startBroker(t)
	dir := t.TempDir()
	workerFile, connFile, logFile := filepath.Join(dir, "worker.properties"), filepath.Join(dir, "pg.properties"), filepath.Join(dir, "worker.log")
	writeProps(t, workerFile, workerProps(bootstrap, filepath.Join(dir, "offsets.json")))
	props := connectorProps(db)
	props["table.include.list"] = "public.grid"
	props["errors.tolerance"] = "all"
	props["errors.deadletterqueue.topic.name"] = "pg-dlq"
	props["errors.deadletterqueue.context.headers.enable"] = "true"
	writeProps(t, connFile, props)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker log:\n%s", readTail(logFile))
		}
	})
	startWorkerProcess(t, logFile, workerFile, connFile)
	adm := newAdmin(t, bootstrap)
	waitFor(t, "the good snapshot row", 30*time.Second, func() bool { return endOffset(adm, "srv.public.grid") >= 1 })
	for _, q := range []string{`INSERT INTO grid VALUES (3, '{{5}}')`, `INSERT INTO grid VALUES (4, '{4}')`} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the good streamed row", 30*time.Second, func() bool { return endOffset(adm, "srv.public.grid") >= 2 })

	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics("pg-dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var dead []*kgo.Record
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(dead) < 2 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { dead = append(dead, r) })
	}
	if len(dead) != 2 {
		t.Fatalf("the dead-letter queue holds %d records, want the 2 unmappable rows", len(dead))
	}
	for i, raw := range []string{`"cells":"{{1,2},{3,4}}"`, `"cells":"{{5}}"`} {
		h := map[string]string{}
		for _, hd := range dead[i].Headers {
			h[hd.Key] = string(hd.Value)
		}
		if h[dlq.HeaderStage] != "TASK_POLL" || h[dlq.HeaderClassName] != "PostgresCdcSource" || h[dlq.HeaderTopic] != "srv.public.grid" ||
			!strings.Contains(h[dlq.HeaderExceptionMessage], "column cells") || !strings.Contains(h[dlq.HeaderExceptionMessage], "multi-dimensional") {
			t.Errorf("dead letter %d: headers %v", i, h)
		}
		if !strings.Contains(string(dead[i].Value), raw) {
			t.Errorf("dead letter %d: value %s, want the raw row with %s", i, dead[i].Value, raw)
		}
	}
	if got := endOffset(adm, "srv.public.grid"); got != 2 {
		t.Errorf("srv.public.grid holds %d records, want the 2 good rows", got)
	}
}
