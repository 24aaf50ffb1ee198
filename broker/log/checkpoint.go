package log

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Small text files holding one decimal offset each.
const (
	// logStartOffsetFile holds the log start offset when DeleteRecords or
	// retention moved it inside a segment.
	logStartOffsetFile = "log-start-offset"
	// recoveryPointFile: every segment wholly below this offset was
	// fsynced with its indexes; recovery trusts those segments.
	recoveryPointFile = "recovery-point"
	// cleanShutdownFile exists only after Close finished; Open deletes it.
	// Its presence means every segment and index is complete.
	cleanShutdownFile = "clean-shutdown"
)

func writeOffsetFile(dir, name string, off int64) error {
	if err := writeFileAtomic(filepath.Join(dir, name), []byte(strconv.FormatInt(off, 10)+"\n"), true); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// readOffsetFile returns the offset in the file, or ok=false when it is
// missing or unreadable.
func readOffsetFile(dir, name string) (int64, bool) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return 0, false
	}
	off, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return off, err == nil
}
