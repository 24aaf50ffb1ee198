package log

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// leaderEpochFile is Kafka's leader-epoch-checkpoint text format:
//
//	0                  version
//	2                  entry count
//	0 0                epoch startOffset
//	3 1500
const leaderEpochFile = "leader-epoch-checkpoint"

type epochEntry struct {
	Epoch       int32
	StartOffset int64
}

// epochCache maps leader epochs to their first offset, ascending in both.
// Guarded by Log.mu.
type epochCache struct {
	entries []epochEntry
}

// assign records that offset was written in epoch; it reports whether the
// cache changed. Epochs below the latest are ignored (a stale leader's
// batch cannot be appended after a newer one).
func (c *epochCache) assign(epoch int32, offset int64) bool {
	if epoch < 0 {
		return false
	}
	if n := len(c.entries); n > 0 && c.entries[n-1].Epoch >= epoch {
		return false
	}
	c.entries = append(c.entries, epochEntry{epoch, offset})
	return true
}

// endOffsetFor implements OffsetForLeaderEpoch.
func (c *epochCache) endOffsetFor(epoch int32, logEnd int64) (int32, int64) {
	for i := len(c.entries) - 1; i >= 0; i-- {
		if c.entries[i].Epoch <= epoch {
			if i == len(c.entries)-1 {
				return c.entries[i].Epoch, logEnd
			}
			return c.entries[i].Epoch, c.entries[i+1].StartOffset
		}
	}
	return -1, -1
}

// truncateFromEnd drops entries starting at or after end (log truncated).
func (c *epochCache) truncateFromEnd(end int64) bool {
	n := len(c.entries)
	for n > 0 && c.entries[n-1].StartOffset >= end {
		n--
	}
	changed := n != len(c.entries)
	c.entries = c.entries[:n]
	return changed
}

// truncateFromStart drops entries wholly below start and clamps the one
// that straddles it, as Kafka does when the log start offset moves.
func (c *epochCache) truncateFromStart(start int64) bool {
	i := 0
	for i+1 < len(c.entries) && c.entries[i+1].StartOffset <= start {
		i++
	}
	changed := i > 0
	c.entries = c.entries[i:]
	if len(c.entries) > 0 && c.entries[0].StartOffset < start {
		c.entries[0].StartOffset = start
		changed = true
	}
	return changed
}

func (c *epochCache) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "0\n%d\n", len(c.entries))
	for _, e := range c.entries {
		fmt.Fprintf(&b, "%d %d\n", e.Epoch, e.StartOffset)
	}
	return b.Bytes()
}

func (c *epochCache) write(dir string) error {
	if err := writeFileAtomic(filepath.Join(dir, leaderEpochFile), c.encode(), true); err != nil {
		return fmt.Errorf("write leader epoch checkpoint: %w", err)
	}
	return nil
}

// readEpochCache loads the checkpoint; a missing or unreadable file gives
// an empty cache (recovery rebuilds it from batch headers).
func readEpochCache(dir string) (epochCache, error) {
	b, err := os.ReadFile(filepath.Join(dir, leaderEpochFile))
	if os.IsNotExist(err) {
		return epochCache{}, nil
	}
	if err != nil {
		return epochCache{}, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	bad := fmt.Errorf("malformed %s", leaderEpochFile)
	if len(lines) < 2 || lines[0] != "0" {
		return epochCache{}, bad
	}
	n, err := strconv.Atoi(lines[1])
	if err != nil || n != len(lines)-2 {
		return epochCache{}, bad
	}
	var c epochCache
	for _, l := range lines[2:] {
		var e epochEntry
		if _, err := fmt.Sscanf(l, "%d %d", &e.Epoch, &e.StartOffset); err != nil {
			return epochCache{}, bad
		}
		if !c.assign(e.Epoch, e.StartOffset) {
			return epochCache{}, bad
		}
	}
	return c, nil
}
