package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/record"
)

// snapshotPlan is a snapshot ready to be read: a connection inside a
// REPEATABLE READ transaction that imported the snapshot the slot exported
// when it was created at consistent point cp. Every row the snapshot sees
// committed before cp; every change the slot streams from cp on is after it.
type snapshotPlan struct {
	conn *pgx.Conn
	cp   pglogrepl.LSN
}

// beginSnapshot opens the snapshot's connection and imports name into it;
// it must run before the exporting replication connection runs another
// command.
func beginSnapshot(ctx context.Context, cfg *config, name string, cp pglogrepl.LSN) (*snapshotPlan, error) {
	conn, err := cfg.connect(ctx)
	if err != nil {
		return nil, err
	}
	for _, stmt := range []string{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "SET TRANSACTION SNAPSHOT " + quoteLiteral(name)} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			conn.Close(ctx)
			return nil, fmt.Errorf("snapshot: %s: %w", stmt, err)
		}
	}
	return &snapshotPlan{conn: conn, cp: cp}, nil
}

// snapshot reads every captured table as of the consistent point (op=r
// records) and leaves the reader ready to stream from it. Tables with a
// primary key are read in key order, snapshot.fetch.size rows per query
// (keyset pagination, so no query holds more than a chunk); others in one
// streamed query. The last record says snapshot=last.
func (r *reader) snapshot(ctx context.Context) error {
	plan := r.snap
	cat := newCatalog(plan.conn)
	rels, err := cat.tables(ctx, &r.cfg.filter)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	s := &snapshotRun{r: r, cp: plan.cp, tsUs: r.emit.now()}
	for _, rel := range rels {
		if err := s.table(ctx, cat, rel); err != nil {
			return fmt.Errorf("snapshot of %s.%s: %w", rel.schema, rel.name, err)
		}
	}
	if err := s.flush(ctx, true); err != nil {
		return err
	}
	if _, err := plan.conn.Exec(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("snapshot: commit: %w", err)
	}
	plan.conn.Close(ctx)
	r.snap = nil
	r.resume = position{commit: plan.cp}
	r.prog.pushed(r.resume)
	if s.n == 0 { // nothing to wait for: the slot may advance while idle
		r.prog.commit(r.resume)
	}
	return nil
}

type snapshotRun struct {
	r       *reader
	cp      pglogrepl.LSN
	tsUs    int64
	n       int64
	pending *record.Record // held back to learn whether it is the last
}

func (s *snapshotRun) table(ctx context.Context, cat *catalog, rel relation) error {
	infos, err := cat.columns(ctx, rel.oid)
	if err != nil {
		return err
	}
	descs := make([]colDesc, len(infos))
	var cols []string
	pk := map[int]int{} // pk position → column index
	for i, ci := range infos {
		descs[i] = colDesc{name: ci.name, oid: ci.oid, typmod: ci.typmod}
		cols = append(cols, pgx.Identifier{ci.name}.Sanitize())
		if ci.pkPos > 0 {
			pk[ci.pkPos] = i
		}
	}
	t, err := buildTable(ctx, cat, s.r.cfg, rel, descs)
	if err != nil {
		return err
	}
	from := " FROM " + pgx.Identifier{rel.schema, rel.name}.Sanitize()
	sel := "SELECT " + strings.Join(cols, ", ") + from
	if len(pk) == 0 {
		_, err := s.query(ctx, t, sel, nil, nil)
		return err
	}
	var keyIdx []int
	var keyCols, params []string
	for p := 1; p <= len(pk); p++ {
		keyIdx = append(keyIdx, pk[p])
		keyCols = append(keyCols, cols[pk[p]])
		params = append(params, "$"+strconv.Itoa(p))
	}
	order := " ORDER BY " + strings.Join(keyCols, ", ") + " LIMIT " + strconv.Itoa(s.r.cfg.fetchSize)
	first := sel + order
	after := sel + " WHERE (" + strings.Join(keyCols, ", ") + ") > (" + strings.Join(params, ", ") + ")" + order
	var last [][]byte
	for {
		q := first
		if last != nil {
			q = after
		}
		n, lastRow := 0, [][]byte(nil)
		n, lastRow, err = s.queryChunk(ctx, t, q, last, keyIdx)
		if err != nil {
			return err
		}
		if n < s.r.cfg.fetchSize {
			return nil
		}
		last = lastRow
	}
}

// queryChunk runs one chunk and returns its row count and the key of its
// last row.
func (s *snapshotRun) queryChunk(ctx context.Context, t *table, q string, params [][]byte, keyIdx []int) (int, [][]byte, error) {
	var last [][]byte
	n, err := s.query(ctx, t, q, params, func(vals [][]byte) {
		last = last[:0]
		for _, i := range keyIdx {
			last = append(last, append([]byte(nil), vals[i]...))
		}
	})
	return n, last, err
}

// query streams the rows of q (text format) into records.
func (s *snapshotRun) query(ctx context.Context, t *table, q string, params [][]byte, each func([][]byte)) (int, error) {
	rr := s.r.snap.conn.PgConn().ExecParams(ctx, q, params, nil, nil, nil)
	n := 0
	row := make([]tupleCol, len(t.cols))
	for rr.NextRow() {
		vals := rr.Values()
		for i, v := range vals {
			if v == nil {
				row[i] = tupleCol{kind: 'n'}
			} else {
				row[i] = tupleCol{kind: 't', text: string(v)}
			}
		}
		if each != nil {
			each(vals)
		}
		after, err := t.row(row, s.r.cfg.placeholder)
		if err != nil {
			rr.Close()
			return n, err
		}
		if err := s.emit(ctx, t, after); err != nil {
			rr.Close()
			return n, err
		}
		n++
	}
	_, err := rr.Close()
	return n, err
}

func (s *snapshotRun) emit(ctx context.Context, t *table, after *record.Struct) error {
	if err := s.flush(ctx, false); err != nil {
		return err
	}
	s.n++
	src := source{tsUs: s.tsUs, snapshot: "true", schema: t.rel.schema, table: t.rel.name, lsn: int64(s.cp)}
	off := map[string]any{OffsetSnapshot: true, OffsetLastSnap: false, OffsetSnapshotNo: s.n,
		OffsetLSN: int64(s.cp), OffsetLSNCommit: int64(s.cp), OffsetSeq: int64(0), OffsetTsUsec: s.tsUs}
	rec := s.r.emit.change(t, opRead, nil, after, src, off)
	s.pending = &rec
	return nil
}

// flush hands out the held-back record; last marks it the snapshot's last.
func (s *snapshotRun) flush(ctx context.Context, last bool) error {
	if s.pending == nil {
		return nil
	}
	rec := *s.pending
	s.pending = nil
	if last {
		rec.SourceOffset[OffsetLastSnap] = true
		rec.Value.(*record.Struct).Get("source").(*record.Struct).Put("snapshot", "last")
	}
	return s.r.send(ctx, rec)
}
