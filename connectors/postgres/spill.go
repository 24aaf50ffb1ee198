package postgres

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pglogrepl"
)

// Streamed transactions (pgoutput protocol 2, streaming 'on', PostgreSQL
// 14+). Once a transaction exceeds logical_decoding_work_mem the server
// sends its changes before it commits, in blocks (Stream Start xid …
// Stream Stop) interleaved with other transactions, and ends it with a
// Stream Commit or a Stream Abort. Nothing of it may be emitted before the
// commit, and holding it in memory would make memory grow with the
// transaction, so each open streamed transaction gets a temporary file
// that receives the raw pgoutput messages of its blocks, in order:
//
//	+-------------+-------------+----------------------------+
//	| lsn (8, BE) | len (4, BE) | pgoutput message (len)     |  … repeated
//	+-------------+-------------+----------------------------+
//
// Raw messages (not decoded changes) are kept because a change can only be
// decoded with the relation cache valid where it sits in the transaction:
// Relation messages come inside the blocks, so replaying the file through
// the ordinary decoder at Stream Commit applies each one exactly where the
// server sent it. The replay numbers the events as protocol 1 would number
// the same transaction (Relation messages make no event), so offsets are
// the same whichever way a transaction arrived and resume stays exact.
//
// A Stream Abort of a subtransaction (ROLLBACK TO SAVEPOINT) truncates the
// file at the subtransaction's first message: everything after it belongs
// to it or to subtransactions nested in it. Relation messages cut off that
// way are written again (they stay in memory, one per Relation message of
// the transaction), because the server does not send them a second time
// in the same transaction. A top-level Stream Abort drops the file; Stream
// Commit replays it, then drops it. The files are unlinked as soon as they
// are created (where the OS lets an open file be unlinked), so a crash
// leaves nothing behind; a reconnect drops them all (the server sends the
// open transactions again from their start).
//
// Disk use: at most the pgoutput size of the open streamed transactions'
// changes (about the size of their rows in text form), under os.TempDir()
// ($TMPDIR). Memory: a 32 KiB write buffer per open streamed transaction.
type spill struct {
	xid  uint32
	f    *os.File
	path string // non-empty while the file still has to be removed
	w    *bufio.Writer
	size int64            // logical end of the file (written + buffered)
	subs map[uint32]int64 // subtransaction xid → offset of its first message
	rels []spilledMsg     // the Relation messages in the file
}

type spilledMsg struct {
	off  int64
	lsn  pglogrepl.LSN
	data []byte
}

const spillHeader = 12

func newSpill(xid uint32) (*spill, error) {
	f, err := os.CreateTemp("", "sluice-pg-tx-*")
	if err != nil {
		return nil, fmt.Errorf("streamed transaction %d: create spill file: %w", xid, err)
	}
	s := &spill{xid: xid, f: f, path: f.Name(), w: bufio.NewWriterSize(f, 32<<10), subs: map[uint32]int64{}}
	if os.Remove(s.path) == nil {
		s.path = ""
	}
	return s, nil
}

// add appends one in-stream message (its xid is the subtransaction's).
func (s *spill) add(lsn pglogrepl.LSN, data []byte) error {
	if len(data) < 5 {
		return fmt.Errorf("streamed transaction %d: short message %q at %s", s.xid, data, lsn)
	}
	switch pglogrepl.MessageType(data[0]) {
	case pglogrepl.MessageTypeType, pglogrepl.MessageTypeOrigin:
		return nil // not used by the decoder
	case pglogrepl.MessageTypeRelation:
		s.rels = append(s.rels, spilledMsg{off: s.size, lsn: lsn, data: append([]byte(nil), data...)})
	}
	if sub := binary.BigEndian.Uint32(data[1:5]); sub != s.xid {
		if _, ok := s.subs[sub]; !ok {
			s.subs[sub] = s.size
		}
	}
	return s.write(lsn, data)
}

func (s *spill) write(lsn pglogrepl.LSN, data []byte) error {
	var h [spillHeader]byte
	binary.BigEndian.PutUint64(h[:8], uint64(lsn))
	binary.BigEndian.PutUint32(h[8:], uint32(len(data)))
	if _, err := s.w.Write(h[:]); err != nil {
		return fmt.Errorf("streamed transaction %d: spill: %w", s.xid, err)
	}
	if _, err := s.w.Write(data); err != nil {
		return fmt.Errorf("streamed transaction %d: spill: %w", s.xid, err)
	}
	s.size += spillHeader + int64(len(data))
	return nil
}

// abortSub drops a subtransaction's part (and its nested ones').
func (s *spill) abortSub(sub uint32) error {
	cut, ok := s.subs[sub]
	if !ok {
		return nil // nothing of it was streamed
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("streamed transaction %d: spill: %w", s.xid, err)
	}
	if err := s.f.Truncate(cut); err != nil {
		return fmt.Errorf("streamed transaction %d: truncate spill file: %w", s.xid, err)
	}
	if _, err := s.f.Seek(cut, io.SeekStart); err != nil {
		return fmt.Errorf("streamed transaction %d: spill: %w", s.xid, err)
	}
	s.w.Reset(s.f)
	s.size = cut
	for x, off := range s.subs {
		if off >= cut {
			delete(s.subs, x)
		}
	}
	rels := s.rels
	s.rels = rels[:0:0]
	for _, m := range rels {
		if m.off >= cut {
			m.off = s.size
			if err := s.write(m.lsn, m.data); err != nil {
				return err
			}
		}
		s.rels = append(s.rels, m)
	}
	return nil
}

// replay hands every message in the file to fn, in order.
func (s *spill) replay(fn func(lsn pglogrepl.LSN, data []byte) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("streamed transaction %d: spill: %w", s.xid, err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("streamed transaction %d: spill: %w", s.xid, err)
	}
	rd := bufio.NewReaderSize(io.LimitReader(s.f, s.size), 32<<10)
	var h [spillHeader]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(rd, h[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("streamed transaction %d: read spill file: %w", s.xid, err)
		}
		n := int(binary.BigEndian.Uint32(h[8:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(rd, buf); err != nil {
			return fmt.Errorf("streamed transaction %d: read spill file: %w", s.xid, err)
		}
		if err := fn(pglogrepl.LSN(binary.BigEndian.Uint64(h[:8])), buf); err != nil {
			return err
		}
	}
}

func (s *spill) close() {
	s.f.Close()
	if s.path != "" {
		os.Remove(s.path)
	}
}

// dropStreams forgets every open streamed transaction.
func (r *reader) dropStreams() {
	for xid, s := range r.streams {
		s.close()
		delete(r.streams, xid)
	}
	r.inStream = nil
}

// v2 handles one pgoutput message of protocol 2.
func (r *reader) v2(ctx context.Context, lsn pglogrepl.LSN, data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("empty pgoutput message at %s", lsn)
	}
	switch pglogrepl.MessageType(data[0]) {
	case pglogrepl.MessageTypeStreamStart, pglogrepl.MessageTypeStreamStop,
		pglogrepl.MessageTypeStreamCommit, pglogrepl.MessageTypeStreamAbort:
		m, err := pglogrepl.ParseV2(data, false)
		if err != nil {
			return fmt.Errorf("parse pgoutput message at %s: %w", lsn, err)
		}
		return r.streamControl(ctx, m)
	}
	if r.inStream != nil {
		return r.inStream.add(lsn, data)
	}
	return r.message(ctx, lsn, data, false)
}

func (r *reader) streamControl(ctx context.Context, m pglogrepl.Message) error {
	switch m := m.(type) {
	case *pglogrepl.StreamStartMessageV2:
		s := r.streams[m.Xid]
		if s != nil && m.FirstSegment == 1 {
			s.close()
			s = nil
		}
		if s == nil {
			var err error
			if s, err = newSpill(m.Xid); err != nil {
				return err
			}
			r.streams[m.Xid] = s
		}
		r.inStream = s
	case *pglogrepl.StreamStopMessageV2:
		r.inStream = nil
	case *pglogrepl.StreamAbortMessageV2:
		s := r.streams[m.Xid]
		switch {
		case s == nil:
		case m.SubXid == m.Xid:
			s.close()
			delete(r.streams, m.Xid)
		default:
			return s.abortSub(m.SubXid)
		}
	case *pglogrepl.StreamCommitMessageV2:
		s := r.streams[m.Xid]
		if s == nil {
			return fmt.Errorf("stream commit of transaction %d, which was not streamed", m.Xid)
		}
		delete(r.streams, m.Xid)
		defer s.close()
		r.tx.open, r.tx.commit, r.tx.xid, r.tx.seq = true, m.CommitLSN, m.Xid, 0
		r.tx.tsUs = m.CommitTime.UnixMicro()
		err := s.replay(func(lsn pglogrepl.LSN, data []byte) error {
			return r.message(ctx, lsn, data, true)
		})
		if err != nil {
			return err
		}
		r.tx.open = false
		r.lastCommit = m.CommitLSN
	}
	return nil
}

// v1 unwraps protocol 2's message types into the protocol 1 ones logical
// takes (they differ only by the xid of streamed changes).
func v1(m pglogrepl.Message) pglogrepl.Message {
	switch m := m.(type) {
	case *pglogrepl.RelationMessageV2:
		return &m.RelationMessage
	case *pglogrepl.TruncateMessageV2:
		return &m.TruncateMessage
	case *pglogrepl.LogicalDecodingMessageV2:
		return &m.LogicalDecodingMessage
	case *pglogrepl.TypeMessageV2:
		return &m.TypeMessage
	}
	return m
}
