package bench

import (
	"fmt"
	"os"
	"time"
)

// measureDisk writes mib MiB in 1 MiB chunks to path without and with a final
// fsync, twice each, and returns the best rate of each in MB/s (10^6 bytes).
// It measures the filesystem the brokers' data directories live on.
func measureDisk(path string, mib int) (nosync, withSync float64, err error) {
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	write := func(fsync bool) (float64, error) {
		defer os.Remove(path)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return 0, fmt.Errorf("disk measurement: %w", err)
		}
		defer f.Close()
		start := time.Now()
		for range mib {
			if _, err := f.Write(chunk); err != nil {
				return 0, fmt.Errorf("disk measurement: write %s: %w", path, err)
			}
		}
		if fsync {
			if err := f.Sync(); err != nil {
				return 0, fmt.Errorf("disk measurement: fsync %s: %w", path, err)
			}
		}
		rate := float64(mib<<20) / 1e6 / time.Since(start).Seconds()
		// Untimed: leave no dirty pages behind to slow the next run.
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("disk measurement: fsync %s: %w", path, err)
		}
		return rate, nil
	}
	// The machine is shared: alternate the two kinds and keep the best of two.
	for range 2 {
		r, err := write(false)
		if err != nil {
			return 0, 0, err
		}
		nosync = max(nosync, r)
		if r, err = write(true); err != nil {
			return 0, 0, err
		}
		withSync = max(withSync, r)
	}
	return nosync, withSync, nil
}
