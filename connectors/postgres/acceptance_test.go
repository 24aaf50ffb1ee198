package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/connectors/postgres"
	"github.com/sluicehq/sluice/plugins/sdk/sdktest"
)

// TestAcceptance runs the SDK's acceptance kit: a snapshot of 200 rows,
// then rows a writer inserts (in transactions of 1 to 4 rows) while the
// kit reads, commits part-way inside the stream, and restarts.
func TestAcceptance(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mode     string
		commitAt int
	}{
		{"snapshot then stream", postgres.SnapshotInitial, 600},
		{"stream, nothing committed", postgres.SnapshotNoData, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := postgres.NewTestDB(t)
			db.Exec(`CREATE TABLE public.events (id bigserial PRIMARY KEY, body text, at timestamptz DEFAULT now())`)
			if tc.mode == postgres.SnapshotInitial {
				db.Exec(`INSERT INTO events (body) SELECT 'pre ' || g FROM generate_series(1, 200) g`)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- writeRows(ctx, db.Name()) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("writer: %v", err)
				}
			})
			sdktest.RunSource(t, postgres.New(), db.Config(postgres.KeySnapshotMode, tc.mode),
				sdktest.SourceOptions{Want: 800, CommitAt: tc.commitAt, Timeout: 40 * time.Second})
		})
	}
}

// writeRows inserts rows until ctx is done, about 400 a second.
func writeRows(ctx context.Context, db string) error {
	conn, err := pgx.Connect(ctx, postgres.AdminDSN(db))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		_, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO events (body) SELECT 'row %d.' || g FROM generate_series(1, %d) g`, i, 1+i%4))
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
}
