package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/record"
)

// snapshotPlan is a snapshot ready to be read: connections (one per
// snapshot.max.threads) inside REPEATABLE READ transactions that imported
// the snapshot the slot exported when it was created at consistent point
// cp. Every row the snapshot sees committed before cp; every change the
// slot streams from cp on is after it.
type snapshotPlan struct {
	conns []*pgx.Conn
	cp    pglogrepl.LSN
}

func (p *snapshotPlan) close() {
	for _, c := range p.conns {
		c.Close(context.Background())
	}
	p.conns = nil
}

// beginSnapshot opens the snapshot's connections and imports name into
// each; it must run before the exporting replication connection runs
// another command.
func beginSnapshot(ctx context.Context, cfg *config, name string, cp pglogrepl.LSN) (*snapshotPlan, error) {
	plan := &snapshotPlan{cp: cp}
	for range cfg.snapshotThreads {
		conn, err := cfg.connect(ctx)
		if err != nil {
			plan.close()
			return nil, err
		}
		plan.conns = append(plan.conns, conn)
		for _, stmt := range []string{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "SET TRANSACTION SNAPSHOT " + quoteLiteral(name)} {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				plan.close()
				return nil, fmt.Errorf("snapshot: %s: %w", stmt, err)
			}
		}
	}
	return plan, nil
}

// snapshot reads every captured table as of the consistent point (op=r
// records) and leaves the reader ready to stream from it. Workers, one per
// connection of the plan, take tables one at a time; the reader numbers
// their records and hands them out, holding the latest one back so the
// last can say snapshot=last.
func (r *reader) snapshot(ctx context.Context) error {
	plan := r.snap
	rels, err := newCatalog(plan.conns[0]).tables(ctx, &r.cfg.filter)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	rels = slices.DeleteFunc(rels, func(rel relation) bool { return rel.schema+"."+rel.name == r.cfg.signalTable })
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan relation)
	rows := make(chan record.Record, 1024)
	errs := make(chan error, len(plan.conns))
	var wg sync.WaitGroup
	tsUs := r.emit.now()
	for _, conn := range plan.conns {
		w := &snapshotWorker{cfg: r.cfg, emit: r.emit, conn: conn, cat: newCatalog(conn), cp: plan.cp, tsUs: tsUs, out: rows}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rel := range work {
				if err := w.table(wctx, rel); err != nil {
					errs <- fmt.Errorf("snapshot of %s.%s: %w", rel.schema, rel.name, err)
					cancel()
					return
				}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, rel := range rels {
			select {
			case work <- rel:
			case <-wctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(rows)
	}()

	var pending *record.Record
	var n int64
	var sendErr error
	for rec := range rows {
		if sendErr != nil {
			continue // draining after a failure
		}
		n++
		rec.SourceOffset[OffsetSnapshotNo] = n
		if pending != nil {
			if sendErr = r.send(ctx, *pending); sendErr != nil {
				cancel()
			}
		}
		pending = &rec
		if n%int64(r.cfg.batchSize) == 0 || len(rows) == 0 {
			r.wake()
		}
	}
	close(errs)
	if err := errors.Join(sendErr, <-errs); err != nil {
		return err
	}
	if pending != nil {
		pending.SourceOffset[OffsetLastSnap] = true
		switch v := pending.Value.(type) {
		case *record.Struct:
			v.Get("source").(*record.Struct).Put("snapshot", "last")
		case map[string]any: // a failed record's (emitter.unmappable)
			v["source"].(map[string]any)["snapshot"] = "last"
		}
		if err := r.send(ctx, *pending); err != nil {
			return err
		}
	}
	r.wake()
	for _, conn := range plan.conns {
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("snapshot: commit: %w", err)
		}
	}
	plan.close()
	r.snap = nil
	r.resume = position{commit: plan.cp}
	r.prog.pushed(r.resume)
	if n == 0 { // nothing to wait for: the slot may advance while idle
		r.prog.commit(r.resume)
	}
	return nil
}

// snapshotWorker reads tables over one connection of the snapshot.
type snapshotWorker struct {
	cfg  *config
	emit *emitter
	conn *pgx.Conn
	cat  *catalog
	cp   pglogrepl.LSN
	tsUs int64
	out  chan<- record.Record
	box  boxer // boxes the values of this worker's events
}

// table reads one table: with a primary key in key order,
// snapshot.fetch.size rows per query (keyset pagination, so no query holds
// more than a chunk); without one in a single streamed query.
func (w *snapshotWorker) table(ctx context.Context, rel relation) error {
	infos, err := w.cat.columns(ctx, rel.oid)
	if err != nil {
		return err
	}
	descs := make([]colDesc, len(infos))
	var cols []string
	pk := map[int]int{} // position in the primary key → column index
	for i, ci := range infos {
		descs[i] = colDesc{name: ci.name, oid: ci.oid, typmod: ci.typmod, key: ci.pkPos > 0}
		cols = append(cols, pgx.Identifier{ci.name}.Sanitize())
		if ci.pkPos > 0 {
			pk[ci.pkPos] = i
		}
	}
	t, err := buildTable(ctx, w.cat, w.cfg, rel, descs)
	if err != nil {
		return err
	}
	sel := "SELECT " + strings.Join(cols, ", ") + " FROM " + pgx.Identifier{rel.schema, rel.name}.Sanitize()
	if len(pk) == 0 {
		_, _, err := w.query(ctx, t, sel, nil, nil)
		return err
	}
	var keyIdx []int
	var keyCols, params []string
	for p := 1; p <= len(pk); p++ {
		keyIdx = append(keyIdx, pk[p])
		keyCols = append(keyCols, cols[pk[p]])
		params = append(params, "$"+strconv.Itoa(p))
	}
	order := " ORDER BY " + strings.Join(keyCols, ", ") + " LIMIT " + strconv.Itoa(w.cfg.fetchSize)
	first := sel + order
	after := sel + " WHERE (" + strings.Join(keyCols, ", ") + ") > (" + strings.Join(params, ", ") + ")" + order
	var last [][]byte
	for {
		q := first
		if last != nil {
			q = after
		}
		n, lastKey, err := w.query(ctx, t, q, last, keyIdx)
		if err != nil || n < w.cfg.fetchSize {
			return err
		}
		last = lastKey
	}
}

// query streams the rows of q (text format) out as records and returns
// their number and the key columns (keyIdx) of the last one.
func (w *snapshotWorker) query(ctx context.Context, t *table, q string, params [][]byte, keyIdx []int) (int, [][]byte, error) {
	rr := w.conn.PgConn().ExecParams(ctx, q, params, nil, nil, nil)
	n := 0
	row := make([]tupleCol, len(t.cols))
	var last [][]byte
	for rr.NextRow() {
		vals := rr.Values()
		for i, v := range vals {
			if v == nil {
				row[i] = tupleCol{kind: 'n'}
			} else {
				row[i] = tupleCol{kind: 't', text: string(v)}
			}
		}
		last = last[:0]
		for _, i := range keyIdx {
			last = append(last, []byte(row[i].text))
		}
		src := source{tsUs: w.tsUs, snapshot: "true", schema: t.rel.schema, table: t.rel.name, lsn: int64(w.cp), box: &w.box}
		off := map[string]any{OffsetSnapshot: true, OffsetLastSnap: false,
			OffsetLSN: int64(w.cp), OffsetLSNCommit: int64(w.cp), OffsetSeq: int64(0), OffsetTsUsec: w.tsUs}
		var rec record.Record
		after, err := t.row(row, w.cfg.placeholder)
		var ue *unmappableError
		switch {
		case errors.As(err, &ue):
			rec = w.emit.unmappable(t, opRead, nil, slices.Clone(row), src, off, err)
		case err != nil:
			rr.Close()
			return n, nil, err
		default:
			rec = w.emit.change(t, opRead, nil, after, src, off)
		}
		select {
		case w.out <- rec:
		case <-ctx.Done():
			rr.Close()
			return n, nil, ctx.Err()
		}
		n++
	}
	_, err := rr.Close()
	return n, last, err
}
