package postgres

import (
	"testing"
	"time"
)

// readBatch returns the first non-empty batch Read hands out.
func readBatch(t *testing.T, tk *task, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		recs, err := tk.Read(t.Context())
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(recs) > 0 {
			return len(recs)
		}
	}
	t.Fatalf("no records within %v", timeout)
	return 0
}

// A committed transaction reaches Read whole: Read is woken once its
// commit is decoded, not per record (reader.wake), and max.batch.size
// still bounds each batch.
func TestReadTakesWholeTransactions(t *testing.T) {
	db := newTestDB(t)
	for _, c := range []struct {
		batch string
		want  []int
	}{{"2048", []int{300}}, {"128", []int{128, 128, 44}}} {
		t.Run("max.batch.size="+c.batch, func(t *testing.T) {
			// A long poll interval: no Read returns part of the
			// transaction because its wait ran out.
			table := "items_" + c.batch
			db.exec(`CREATE TABLE public.` + table + ` (id int PRIMARY KEY, v text)`)
			tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeySlotName, db.name+"_b"+c.batch,
				KeyTableInclude, "public."+table, KeyMaxBatchSize, c.batch, KeyPollInterval, "5000", KeySlotDropOnStop, "true"), nil)
			// Open returned with the slot made: the insert is captured.
			db.exec(`INSERT INTO ` + table + ` SELECT g, repeat('x', 100) FROM generate_series(1, 300) g`)
			var got []int
			for n := 0; n < 300; {
				k := readBatch(t, tk, 10*time.Second)
				got, n = append(got, k), n+k
			}
			if len(got) != len(c.want) {
				t.Fatalf("batches %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("batches %v, want %v", got, c.want)
				}
			}
		})
	}
}

// A transaction larger than max.queue.size still arrives whole and in
// order: a full queue wakes Read before the transaction's commit.
func TestTransactionLargerThanQueue(t *testing.T) {
	db := newTestDB(t)
	db.exec(`CREATE TABLE public.items (id int PRIMARY KEY)`)
	tk := openTask(t, db.config(KeySnapshotMode, SnapshotNoData, KeyMaxQueueSize, "16", KeyMaxBatchSize, "8",
		KeyPollInterval, "5000"), nil)
	db.exec(`INSERT INTO items SELECT g FROM generate_series(1, 500) g`)
	// Without the wake-up of a full queue, each Read would wait out its
	// 5 s poll interval for 8 records.
	recs := readN(t, tk, 500, 20*time.Second)
	for i, r := range recs {
		_, _, after := envelope(t, r)
		if id := after.Get("id"); id != int32(i+1) {
			t.Fatalf("record %d: id %v, want %d", i, id, i+1)
		}
	}
}
