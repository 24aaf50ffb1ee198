package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// reader is the task's one goroutine that owns the connections: it reads
// the snapshot, then the replication stream, and hands records to Read
// through out, a bounded queue (when it is full, decoding waits while
// status updates keep the walsender alive). Everything but prog is its own.
type reader struct {
	cfg  *config
	prog *progress
	out  chan record.Record
	emit *emitter
	// ready wakes Read (see wake); queued: records went into out since
	// the last wake-up.
	ready  chan struct{}
	queued bool

	conn   *pgx.Conn // catalog lookups, heartbeat queries
	cat    *catalog
	repl   *pgconn.PgConn
	snap   *snapshotPlan // read before streaming; nil: none
	stream bool          // false: initial_only, the task ends after the snapshot

	tables    map[uint32]*table // by relation OID, from Relation messages; nil value: not captured
	signalOID uint32            // relation OID of signal.data.collection, once seen
	inc       *incremental      // the running incremental snapshot, if any
	// signals are the kafka channel's (nil when off); signalOffset is
	// the topic offset of the last one acted on (-1: none), put into the
	// offset of every record sent (OffsetSignal).
	signals      <-chan kafkaSignal
	signalOffset int64
	resume       position // the last position handed out: a restart skips up to it
	box          boxer    // boxes the values of the events this goroutine makes
	tx           struct {
		open   bool
		commit pglogrepl.LSN
		xid    uint32
		tsUs   int64
		seq    int64
	}
	// proto2: the stream runs pgoutput protocol 2 with streaming 'on';
	// streams are its transactions streamed before their commit, by xid,
	// and inStream the one whose block is being received (spill.go).
	proto2        bool
	streams       map[uint32]*spill
	inStream      *spill
	lastCommit    pglogrepl.LSN // commit LSN of the previous transaction (source.sequence)
	received      pglogrepl.LSN // highest WAL position received: the status update's write position
	idleEnd       pglogrepl.LSN // server WAL end seen while no transaction was open
	sentFlush     pglogrepl.LSN
	lastStatus    time.Time
	lastHeartbeat time.Time
}

// errSlotGone: the slot or the WAL it needs is gone; only a new snapshot
// can recover.
var errSlotGone = errors.New("replication slot gone")

// tick bounds how long the reader blocks on the server before it looks at
// Commit's progress and the clock.
func (r *reader) tick() time.Duration { return min(r.cfg.statusInterval, 200*time.Millisecond) }

// run is the goroutine's body; it returns nil when ctx is done (Stop) or,
// with snapshot.mode=initial_only, after the snapshot.
func (r *reader) run(ctx context.Context) error {
	defer r.close()
	if r.snap != nil {
		if err := r.snapshot(ctx); err != nil {
			return ctxNil(ctx, err)
		}
	}
	if !r.stream {
		return nil
	}
	backoff := 100 * time.Millisecond
	resnapshot := false // a new snapshot is due (when_needed); retried until it completes
	for {
		started := time.Now()
		var err error
		if resnapshot {
			if err = r.resnapshot(ctx); err == nil {
				resnapshot = false
				continue
			}
		} else {
			err = r.streamOnce(ctx)
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errSlotGone) {
			if r.cfg.snapshotMode != SnapshotWhenNeeded {
				return fmt.Errorf("%w: the changes after the last committed offset are lost; set %s=%s to take a new snapshot automatically, "+
					"or delete the connector's offsets and restart it: %w", err, KeySnapshotMode, SnapshotWhenNeeded, sdk.ErrFatal)
			}
			resnapshot = true
			continue
		}
		if errors.Is(err, sdk.ErrFatal) {
			return err
		}
		// Anything else (server restarted, walsender terminated, network):
		// reconnect with backoff and go on from the last position handed out.
		r.closeRepl()
		if time.Since(started) > 30*time.Second {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, r.cfg.retryDelayMax)
	}
}

func ctxNil(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (r *reader) close() {
	r.closeRepl()
	r.dropStreams()
	if r.snap != nil {
		r.snap.close()
		r.snap = nil
	}
	if r.conn != nil {
		r.conn.Close(context.Background())
		r.conn = nil
	}
}

func (r *reader) closeRepl() {
	if r.repl != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r.repl.Close(ctx)
		cancel()
		r.repl = nil
	}
}

// reconnect opens whatever connection is missing and checks the slot.
func (r *reader) reconnect(ctx context.Context) error {
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
	switch {
	case err != nil:
		return err
	case slot == nil:
		return fmt.Errorf("replication slot %q does not exist any more (dropped from outside?): %w", r.cfg.slot, errSlotGone)
	case slot.lost:
		return fmt.Errorf("replication slot %q lost the WAL it needs (wal_status=lost, max_slot_wal_keep_size exceeded?): %w", r.cfg.slot, errSlotGone)
	}
	if err := r.cfg.checkSlot(slot); err != nil {
		return err
	}
	r.prog.setFloor(slot.confirmed)
	repl, err := r.cfg.connectReplication(ctx)
	if err != nil {
		return err
	}
	r.repl = repl
	return nil
}

// streamOnce streams from the resume position until an error.
func (r *reader) streamOnce(ctx context.Context) error {
	if r.repl == nil {
		if err := r.reconnect(ctx); err != nil {
			return err
		}
	}
	start := r.resume.commit
	// PostgreSQL 14+ streams large in-progress transactions with protocol
	// 2 (spill.go); older servers send them whole at commit (protocol 1).
	r.proto2 = serverMajor(r.repl) >= 14
	args := []string{"proto_version '1'", "publication_names " + quoteLiteral(r.cfg.publication)}
	if r.proto2 {
		args = []string{"proto_version '2'", "streaming 'on'", "publication_names " + quoteLiteral(r.cfg.publication),
			"messages 'true'"} // messages: pg_logical_emit_message events
	}
	err := pglogrepl.StartReplication(ctx, r.repl, r.cfg.slot, start, pglogrepl.StartReplicationOptions{
		Mode: pglogrepl.LogicalReplication, PluginArgs: args,
	})
	if err != nil {
		return r.classify(fmt.Errorf("start replication from slot %q at %s: %w", r.cfg.slot, start, err))
	}
	r.tx.open = false
	r.dropStreams() // the server sends the open transactions again
	r.lastStatus = time.Time{}
	r.sentFlush = 0
	if inc := r.inc; inc != nil && inc.restore != nil && inc.window == "" {
		// Resumed from an offset: its markers are written now that the
		// stream that will see them runs.
		if err := r.nextChunk(ctx); err != nil {
			return err
		}
	}
	// Receives wait under a read deadline on the connection, renewed each
	// tick, not under a context: pgconn watches a context per receive (a
	// context.AfterFunc each), a tenth of the plugin's CPU under load.
	// Stop reaches a blocked receive through one AfterFunc per stream,
	// which moves the deadline to now; a renewal after it sees ctx done.
	nc := r.repl.Conn()
	defer context.AfterFunc(ctx, func() { _ = nc.SetReadDeadline(time.Now()) })()
	defer func() { _ = nc.SetReadDeadline(time.Time{}) }()
	var deadline time.Time
	for {
		now := time.Now()
		if err := r.housekeeping(ctx, now); err != nil {
			return err
		}
		if !r.tx.open {
			r.wake()
		}
		if now.After(deadline) {
			deadline = now.Add(r.tick())
			if err := nc.SetReadDeadline(deadline); err != nil {
				return fmt.Errorf("receive from slot %q: %w", r.cfg.slot, err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		msg, err := r.repl.ReceiveMessage(context.Background())
		if err != nil {
			if pgconn.Timeout(err) && ctx.Err() == nil {
				deadline = time.Time{}
				continue
			}
			return r.classify(fmt.Errorf("receive from slot %q: %w", r.cfg.slot, err))
		}
		if err := r.handle(ctx, msg); err != nil {
			return r.classify(err)
		}
	}
}

// classify marks server errors that mean the slot cannot serve us.
func (r *reader) classify(err error) error {
	switch pgCode(err) {
	case "42704": // undefined_object: the slot does not exist
		return fmt.Errorf("replication slot %q does not exist any more (dropped from outside?): %v: %w", r.cfg.slot, err, errSlotGone)
	case "58P01": // undefined_file: WAL segment removed
		return fmt.Errorf("the WAL replication slot %q needs was removed: %v: %w", r.cfg.slot, err, errSlotGone)
	case "55000": // object_not_in_prerequisite_state: slot invalidated
		return fmt.Errorf("replication slot %q was invalidated: %v: %w", r.cfg.slot, err, errSlotGone)
	}
	return err
}

// housekeeping acts on kafka signals and sends status updates and
// heartbeats when due.
func (r *reader) housekeeping(ctx context.Context, now time.Time) error {
	if r.signals != nil {
		if err := r.kafkaSignals(ctx); err != nil {
			return err
		}
	}
	flush := r.prog.flush()
	periodic := now.Sub(r.lastStatus) >= r.cfg.statusInterval
	if flush > r.sentFlush || periodic {
		if err := r.sendStatus(ctx, flush, periodic); err != nil {
			return err
		}
	}
	if r.cfg.heartbeat > 0 && !r.tx.open && now.Sub(r.lastHeartbeat) >= r.cfg.heartbeat {
		r.lastHeartbeat = now
		if r.cfg.heartbeatQuery != "" {
			if _, err := r.conn.Exec(ctx, r.cfg.heartbeatQuery); err != nil {
				return fmt.Errorf("%s: %w", KeyHeartbeatQuery, err)
			}
		}
		pos := r.resume
		if r.idleEnd > pos.commit {
			pos = position{commit: r.idleEnd}
		}
		off := map[string]any{OffsetLSNCommit: int64(pos.commit), OffsetLSN: int64(pos.commit), OffsetSeq: pos.seq}
		if err := r.send(ctx, r.emit.heartbeat(off)); err != nil {
			return err
		}
		r.resume = pos
		r.prog.pushed(pos)
	}
	return nil
}

// sendStatus confirms flush to the server; with reply it asks for a
// keepalive, whose WAL position lets an idle slot advance.
func (r *reader) sendStatus(ctx context.Context, flush pglogrepl.LSN, reply bool) error {
	write := max(r.received, flush)
	if flush == 0 {
		// pglogrepl would send the write position as the flush position
		// (and PostgreSQL 15 moves a slot back to a lower one): send
		// nothing until the slot's position is known.
		r.lastStatus = time.Now()
		return nil
	}
	err := pglogrepl.SendStandbyStatusUpdate(ctx, r.repl, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: write, WALFlushPosition: flush, WALApplyPosition: flush, ReplyRequested: reply})
	if err != nil {
		return fmt.Errorf("send status update: %w", err)
	}
	r.sentFlush, r.lastStatus = max(r.sentFlush, flush), time.Now()
	return nil
}

// send queues one record for Read, waiting while the queue is full and
// keeping the server's status current meanwhile. Read is not woken per
// record: see wake.
func (r *reader) send(ctx context.Context, rec record.Record) error {
	if r.signalOffset >= 0 && rec.SourceOffset != nil {
		rec.SourceOffset[OffsetSignal] = r.box.int64(r.signalOffset)
	}
	if r.inc != nil && rec.SourceOffset != nil {
		r.inc.addOffset(rec.SourceOffset)
	}
	select {
	case r.out <- rec:
		r.queued = true
		return nil
	default:
	}
	r.wake() // a full queue is Read's to take now, mid-transaction or not
	t := time.NewTicker(r.tick())
	defer t.Stop()
	for {
		select {
		case r.out <- rec:
			r.queued = true
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if r.repl != nil && r.snap == nil {
				flush := r.prog.flush()
				if flush > r.sentFlush || time.Since(r.lastStatus) >= r.cfg.statusInterval {
					if err := r.sendStatus(ctx, flush, false); err != nil {
						return err
					}
				}
			}
		}
	}
}

// wake tells Read that records are queued. The stream wakes it when no
// transaction is open (after each commit, heartbeat or message outside a
// transaction), the snapshot every max.batch.size rows and whenever its
// rows run dry, and send when the queue is full. A Read woken per record
// took one or two at a time: at 10,000 changes/s in transactions of 25,
// 2.7 records per Read, and the plugin and the worker then spent enough
// CPU per record to starve the walsender on a busy 2-core machine (ADR 10
// addendum). Read also takes what is queued when its poll interval ends,
// so a missed wake-up delays records by at most that, never loses them.
func (r *reader) wake() {
	if !r.queued {
		return
	}
	r.queued = false
	select {
	case r.ready <- struct{}{}:
	default: // one is pending already
	}
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// serverMajor is the server's major version (15 for "15.8 (Debian …)").
func serverMajor(c *pgconn.PgConn) int {
	v := c.ParameterStatus("server_version")
	n := 0
	for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		n = n*10 + int(v[i]-'0')
	}
	return n
}
