package postgres

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicehq/sluice/record"
)

// handle processes one message of the replication stream.
func (r *reader) handle(ctx context.Context, msg pgproto3.BackendMessage) error {
	cd, ok := msg.(*pgproto3.CopyData)
	if er, isErr := msg.(*pgproto3.ErrorResponse); isErr {
		return pgconn.ErrorResponseToPgError(er)
	}
	if !ok {
		return fmt.Errorf("unexpected message %T in the replication stream", msg)
	}
	if len(cd.Data) == 0 {
		return fmt.Errorf("empty CopyData in the replication stream")
	}
	switch cd.Data[0] {
	case pglogrepl.PrimaryKeepaliveMessageByteID:
		k, err := pglogrepl.ParsePrimaryKeepaliveMessage(cd.Data[1:])
		if err != nil {
			return fmt.Errorf("parse keepalive: %w", err)
		}
		if !r.tx.open && len(r.streams) == 0 {
			r.idleEnd = max(r.idleEnd, k.ServerWALEnd)
			r.prog.idle(k.ServerWALEnd)
		}
		if k.ReplyRequested {
			return r.sendStatus(ctx, r.prog.flush(), false)
		}
		return nil
	case pglogrepl.XLogDataByteID:
		x, err := pglogrepl.ParseXLogData(cd.Data[1:])
		if err != nil {
			return fmt.Errorf("parse XLogData: %w", err)
		}
		r.received = max(r.received, x.WALStart)
		if r.proto2 {
			return r.v2(ctx, x.WALStart, x.WALData)
		}
		return r.message(ctx, x.WALStart, x.WALData, false)
	}
	return nil
}

// logical processes one pgoutput message; lsn is the change's WAL position.
func (r *reader) logical(ctx context.Context, lsn pglogrepl.LSN, m pglogrepl.Message) error {
	switch m := m.(type) {
	case *pglogrepl.BeginMessage:
		r.tx.open, r.tx.commit, r.tx.xid, r.tx.seq = true, m.FinalLSN, m.Xid, 0
		r.tx.tsUs = m.CommitTime.UnixMicro()
	case *pglogrepl.CommitMessage:
		r.tx.open = false
		r.lastCommit = m.CommitLSN
	case *pglogrepl.RelationMessage:
		return r.relation(ctx, m)
	case *pglogrepl.TruncateMessage:
		for _, id := range m.RelationIDs {
			t, err := r.table(id)
			if err != nil {
				return err
			}
			if t == nil || id == r.signalOID {
				continue
			}
			pos, src, off := r.next(lsn, t.rel)
			if err := r.push(ctx, r.emit.truncate(t, src, off), pos); err != nil {
				return err
			}
		}
	case *pglogrepl.LogicalDecodingMessage:
		if m.Transactional && r.tx.open {
			pos, src, off := r.next(lsn, relation{})
			return r.push(ctx, r.emit.message(m.Prefix, bytes.Clone(m.Content), src, off), pos)
		}
		// A non-transactional message is decoded (and sent) where it is in
		// the WAL: a transaction of its own at its LSN.
		ts := r.emit.now()
		pos := position{commit: m.LSN, seq: 1}
		src := source{tsUs: ts, snapshot: "false", lsn: int64(m.LSN), lastCommit: int64(r.lastCommit)}
		off := streamOffset(nil, m.LSN, m.LSN, 1, 0, ts)
		return r.push(ctx, r.emit.message(m.Prefix, bytes.Clone(m.Content), src, off), pos)
	}
	return nil
}

func (r *reader) table(relid uint32) (*table, error) {
	t, ok := r.tables[relid]
	if !ok {
		return nil, fmt.Errorf("change for relation %d before its Relation message", relid)
	}
	return t, nil
}

// relation makes the table a Relation message describes (or forgets one
// the filters exclude); column changes take effect from here on.
func (r *reader) relation(ctx context.Context, m *pglogrepl.RelationMessage) error {
	rel := relation{oid: m.RelationID, schema: m.Namespace, name: m.RelationName}
	signal := r.cfg.signalTable != "" && rel.schema+"."+rel.name == r.cfg.signalTable
	if signal {
		r.signalOID = m.RelationID
	}
	if !signal && !r.cfg.filter.table(rel.schema, rel.name) {
		r.tables[m.RelationID] = nil
		return nil
	}
	descs := make([]colDesc, len(m.Columns))
	for i, c := range m.Columns {
		descs[i] = colDesc{name: c.Name, oid: c.DataType, typmod: c.TypeModifier, key: c.Flags&1 != 0}
	}
	clear(r.cat.types) // enum labels may have changed with the relation
	t, err := buildTable(ctx, r.cat, r.cfg, rel, descs)
	if err != nil {
		return fmt.Errorf("relation %s.%s: %w", rel.schema, rel.name, err)
	}
	r.tables[m.RelationID] = t
	return nil
}

// change emits one change event (and the tombstone after a delete).
func (r *reader) change(ctx context.Context, t *table, lsn pglogrepl.LSN, op string, before, after *record.Struct) error {
	if r.inc != nil {
		r.seen(t, before)
		r.seen(t, after)
	}
	pos, src, off := r.next(lsn, t.rel)
	rec := r.emit.change(t, op, before, after, src, off)
	if err := r.push(ctx, rec, pos); err != nil {
		return err
	}
	if op == opDelete && r.cfg.tombstones && rec.Key != nil {
		pos, _, off := r.next(lsn, t.rel)
		return r.push(ctx, tombstone(rec, off), pos)
	}
	return nil
}

// next numbers the next event of the open transaction.
func (r *reader) next(lsn pglogrepl.LSN, rel relation) (position, source, map[string]any) {
	r.tx.seq++
	pos := position{commit: r.tx.commit, seq: r.tx.seq}
	src := source{tsUs: r.tx.tsUs, snapshot: "false", schema: rel.schema, table: rel.name,
		txID: int64(r.tx.xid), lsn: int64(lsn), lastCommit: int64(r.lastCommit), box: &r.box}
	return pos, src, streamOffset(&r.box, r.tx.commit, lsn, r.tx.seq, r.tx.xid, r.tx.tsUs)
}

// push hands a record out unless a restart already did (pos at or below
// the resume position).
func (r *reader) push(ctx context.Context, rec record.Record, pos position) error {
	if !r.resume.less(pos) {
		return nil
	}
	if err := r.send(ctx, rec); err != nil {
		return err
	}
	r.resume = pos
	r.prog.pushed(pos)
	return nil
}
