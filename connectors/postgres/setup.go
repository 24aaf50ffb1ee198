package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pglogrepl"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// setup runs in Open, before the reader goroutine starts: it connects,
// makes the publication, decides whether a snapshot is due, and creates
// the slot (exporting its snapshot) now, so every change committed after
// Open returns is captured. committed is nil without a committed offset.
func (r *reader) setup(ctx context.Context, committed *resumePoint) (err error) {
	conn, err := r.cfg.connect(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	r.conn, r.cat = conn, newCatalog(conn)
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	mode := r.cfg.snapshotMode
	hasOffset := committed != nil && committed.snapshotDone
	if mode == SnapshotInitialOnly {
		if hasOffset {
			return nil // the snapshot was taken and delivered: nothing left to do
		}
		return r.setupSnapshot(ctx, r.cfg.slot+"_snapshot", true, nil)
	}
	r.stream = true
	if err := ensurePublication(ctx, conn, r.cfg, r.cat); err != nil {
		return err
	}
	slot, err := querySlot(ctx, conn, r.cfg.slot)
	if err != nil {
		return err
	}
	if slot != nil {
		if err := r.cfg.checkSlot(slot); err != nil {
			return err
		}
	}
	gone := slot == nil || slot.lost
	var snap bool
	switch mode {
	case SnapshotAlways:
		snap = true
	case SnapshotInitial:
		snap = !hasOffset
	case SnapshotWhenNeeded:
		snap = !hasOffset || gone
	}
	if !snap && hasOffset && gone {
		what := "does not exist"
		if slot != nil {
			what = "lost the WAL it needs (wal_status=lost)"
		}
		return fmt.Errorf("replication slot %q %s, so the changes after the committed offset (commit LSN %s) are lost; "+
			"set %s=%s to take a new snapshot automatically, or delete the connector's offsets and restart it: %w",
			r.cfg.slot, what, committed.pos.commit, KeySnapshotMode, SnapshotWhenNeeded, sdk.ErrFatal)
	}
	if snap {
		return r.setupSnapshot(ctx, r.cfg.slot, false, slot)
	}
	if slot == nil {
		repl, err := r.cfg.connectReplication(ctx)
		if err != nil {
			return err
		}
		r.repl = repl
		res, err := createSlot(ctx, repl, r.cfg.slot, false, false)
		if err != nil {
			return err
		}
		cp, err := pglogrepl.ParseLSN(res.ConsistentPoint)
		if err != nil {
			return fmt.Errorf("slot %q consistent point %q: %w", r.cfg.slot, res.ConsistentPoint, err)
		}
		r.resume = position{commit: cp}
		r.prog.setFloor(cp)
	} else {
		r.prog.setFloor(slot.confirmed)
		if hasOffset {
			r.resume = committed.pos
		}
	}
	r.prog.mu.committed, r.prog.mu.pushed = r.resume, r.resume
	return nil
}

// setupSnapshot (re)creates the slot with an exported snapshot and imports
// it into the snapshot's connection; an existing slot is dropped first
// (its position is of no use: everything is read again).
func (r *reader) setupSnapshot(ctx context.Context, name string, temporary bool, existing *slotInfo) error {
	repl, err := r.cfg.connectReplication(ctx)
	if err != nil {
		return err
	}
	r.repl = repl
	if existing != nil {
		if err := dropSlot(ctx, repl, name); err != nil {
			return err
		}
	}
	res, err := createSlot(ctx, repl, name, temporary, true)
	if err != nil {
		return err
	}
	cp, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return fmt.Errorf("slot %q consistent point %q: %w", name, res.ConsistentPoint, err)
	}
	if r.snap, err = beginSnapshot(ctx, r.cfg, res.SnapshotName, cp); err != nil {
		return err
	}
	r.prog.setFloor(cp)
	r.resume = position{commit: cp}
	return nil
}

// resnapshot recovers from a lost slot (snapshot.mode=when_needed): a new
// slot, a new snapshot, then streaming from its consistent point.
func (r *reader) resnapshot(ctx context.Context) error {
	r.closeRepl()
	if r.snap != nil { // an attempt that failed part-way
		r.snap.close()
		r.snap = nil
	}
	if r.conn != nil && r.conn.Ping(ctx) != nil {
		r.conn.Close(ctx)
		r.conn = nil
	}
	if r.conn == nil {
		conn, err := r.cfg.connect(ctx)
		if err != nil {
			return err
		}
		r.conn, r.cat = conn, newCatalog(conn)
	}
	slot, err := querySlot(ctx, r.conn, r.cfg.slot)
	if err != nil {
		return err
	}
	if err := r.setupSnapshot(ctx, r.cfg.slot, false, slot); err != nil {
		return err
	}
	r.tables = map[uint32]*table{}
	return r.snapshot(ctx)
}
