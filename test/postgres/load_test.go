package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// event is one change the writer committed (or a row the snapshot reads).
// Every insert and update gives the row a new seq, unique in the test, and
// the table has REPLICA IDENTITY FULL, so a delete's before carries the
// seq of the version it removed: (op, seq) names one change event.
type event struct {
	op  string // r (snapshot), c, u, d
	key int64
	seq int64
}

func (e event) String() string { return fmt.Sprintf("%s id=%d seq=%d", e.op, e.key, e.seq) }

// changeLog is what the writer committed, in commit order.
type changeLog struct {
	mu struct {
		sync.Mutex
		events []event
		txs    int
	}
}

func (l *changeLog) add(evs []event) {
	l.mu.Lock()
	l.mu.events = append(l.mu.events, evs...)
	l.mu.txs++
	l.mu.Unlock()
}

func (l *changeLog) snapshot() ([]event, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]event(nil), l.mu.events...), l.mu.txs
}

func (l *changeLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.mu.events)
}

const table = "items"

// loadTable creates the captured table with initial rows, logged as
// snapshot events.
func loadTable(t testing.TB, conn *pgx.Conn, initial int, log *changeLog) *writer {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{
		`CREATE TABLE items (id bigint PRIMARY KEY, seq bigint NOT NULL, payload text NOT NULL)`,
		`ALTER TABLE items REPLICA IDENTITY FULL`,
		fmt.Sprintf(`INSERT INTO items SELECT g, g + 1, repeat('x', 100) FROM generate_series(0, %d) g`, initial-1),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	w := &writer{conn: conn, log: log, keys: int64(initial) * 2, cur: map[int64]int64{}, seq: int64(initial)}
	var evs []event
	for i := range int64(initial) {
		w.cur[i] = i + 1
		evs = append(evs, event{op: "r", key: i, seq: i + 1})
	}
	log.add(evs)
	return w
}

// writer commits small transactions of inserts, updates and deletes on
// random keys, one at a time, and logs each after its COMMIT returned.
type writer struct {
	conn *pgx.Conn
	log  *changeLog
	keys int64
	cur  map[int64]int64 // committed rows: id → seq
	seq  int64
}

// run writes until stop is closed (checked between transactions, so every
// transaction it began is committed and logged).
func (w *writer) run(stop <-chan struct{}) error {
	ctx := context.Background()
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		var b pgx.Batch
		var evs []event
		pending := map[int64]int64{} // id → seq, -1: deleted in this transaction
		rowSeq := func(k int64) (int64, bool) {
			if s, ok := pending[k]; ok {
				return s, s >= 0
			}
			s, ok := w.cur[k]
			return s, ok
		}
		for range 1 + rand.IntN(4) {
			k := rand.Int64N(w.keys)
			old, ok := rowSeq(k)
			switch {
			case !ok:
				w.seq++
				b.Queue(`INSERT INTO items VALUES ($1, $2, $3)`, k, w.seq, strings.Repeat("i", 50))
				evs, pending[k] = append(evs, event{"c", k, w.seq}), w.seq
			case rand.IntN(4) == 0:
				b.Queue(`DELETE FROM items WHERE id = $1`, k)
				evs, pending[k] = append(evs, event{"d", k, old}), -1
			default:
				w.seq++
				b.Queue(`UPDATE items SET seq = $2, payload = $3 WHERE id = $1`, k, w.seq, strings.Repeat("u", 50))
				evs, pending[k] = append(evs, event{"u", k, w.seq}), w.seq
			}
		}
		tx, err := w.conn.Begin(ctx)
		if err != nil {
			return err
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("write: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		for k, s := range pending {
			if s < 0 {
				delete(w.cur, k)
			} else {
				w.cur[k] = s
			}
		}
		w.log.add(evs)
	}
}
