package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pglogrepl"

	"github.com/sluicehq/sluice/record"
)

// Insert, Update and Delete are nearly every message of a busy stream, and
// pglogrepl decodes each column into a struct and a byte slice of its own
// (copied a byte at a time), which the row then copies again into a string:
// a fifth of the plugin's CPU. parseDML decodes them with one copy of the
// message, whose substrings the columns' texts are; every other message
// still goes to pglogrepl.

// dml is one Insert ('I'), Update ('U') or Delete ('D') message.
type dml struct {
	kind  byte
	relid uint32
	// oldKind: 'K' old is the replica-identity key, 'O' the whole old row
	// (REPLICA IDENTITY FULL), 0 none. An Insert has only newRow, a
	// Delete only old.
	oldKind byte
	old     []tupleCol
	newRow  []tupleCol
}

// tupleCol is one column of a row as received: kind 'n' null, 'u'
// unchanged TOASTed value (not sent), 't' text, 'b' binary.
type tupleCol struct {
	kind byte
	text string
}

// parseDML decodes data (one pgoutput message) when it is an Insert,
// Update or Delete; ok is false for any other message. streamed: the
// message is part of a streamed transaction, where protocol 2 puts the
// transaction's xid after the type byte.
func parseDML(data []byte, streamed bool) (d dml, ok bool, err error) {
	if len(data) == 0 {
		return d, false, nil
	}
	switch data[0] {
	case 'I', 'U', 'D':
	default:
		return d, false, nil
	}
	d.kind = data[0]
	p := dmlParser{s: string(data), pos: 1}
	if streamed {
		p.uint32() // the xid: the stream's, which the reader already knows
	}
	d.relid = p.uint32()
	switch d.kind {
	case 'I':
		p.expect('N')
		d.newRow = p.tuple()
	case 'U':
		if b := p.byte(); b == 'K' || b == 'O' {
			d.oldKind = b
			d.old = p.tuple()
			p.expect('N')
		} else if b != 'N' && p.err == nil {
			p.err = fmt.Errorf("update: tuple type %q, want K, O or N", b)
		}
		d.newRow = p.tuple()
	case 'D':
		d.oldKind = p.byte()
		if d.oldKind != 'K' && d.oldKind != 'O' && p.err == nil {
			p.err = fmt.Errorf("delete: tuple type %q, want K or O", d.oldKind)
		}
		d.old = p.tuple()
	}
	if p.err == nil && p.pos != len(p.s) {
		p.err = fmt.Errorf("%d bytes after the message", len(p.s)-p.pos)
	}
	if p.err != nil {
		return dml{}, true, fmt.Errorf("pgoutput %c message of %d bytes: %w", d.kind, len(data), p.err)
	}
	return d, true, nil
}

// dmlParser reads a message; the first error sticks and stops it.
type dmlParser struct {
	s   string
	pos int
	err error
}

func (p *dmlParser) need(n int, what string) bool {
	if p.err != nil {
		return false
	}
	if n < 0 || len(p.s)-p.pos < n {
		p.err = fmt.Errorf("truncated at byte %d: %s needs %d bytes, %d left", p.pos, what, n, len(p.s)-p.pos)
		return false
	}
	return true
}

func (p *dmlParser) byte() byte {
	if !p.need(1, "a type byte") {
		return 0
	}
	p.pos++
	return p.s[p.pos-1]
}

func (p *dmlParser) uint32() uint32 {
	if !p.need(4, "an int32") {
		return 0
	}
	b := p.s[p.pos : p.pos+4]
	p.pos += 4
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func (p *dmlParser) expect(b byte) {
	if got := p.byte(); got != b && p.err == nil {
		p.err = fmt.Errorf("tuple type %q, want %q", got, b)
	}
}

func (p *dmlParser) tuple() []tupleCol {
	if !p.need(2, "a column count") {
		return nil
	}
	n := int(p.s[p.pos])<<8 | int(p.s[p.pos+1])
	p.pos += 2
	cols := make([]tupleCol, n)
	for i := range cols {
		kind := p.byte()
		cols[i].kind = kind
		switch kind {
		case 'n', 'u':
		case 't', 'b':
			l := int(int32(p.uint32()))
			if p.need(l, "a column value") {
				cols[i].text = p.s[p.pos : p.pos+l]
				p.pos += l
			}
		default:
			if p.err == nil {
				p.err = fmt.Errorf("column %d: kind %q, want n, u, t or b", i, kind)
			}
		}
		if p.err != nil {
			return nil
		}
	}
	return cols
}

// message processes one pgoutput message; streamed as for parseDML.
func (r *reader) message(ctx context.Context, lsn pglogrepl.LSN, data []byte, streamed bool) error {
	d, ok, err := parseDML(data, streamed)
	if err != nil {
		return fmt.Errorf("parse pgoutput message at %s: %w", lsn, err)
	}
	if ok {
		return r.dml(ctx, lsn, d)
	}
	var m pglogrepl.Message
	if r.proto2 {
		m, err = pglogrepl.ParseV2(data, streamed)
	} else {
		m, err = pglogrepl.Parse(data)
	}
	if err != nil {
		return fmt.Errorf("parse pgoutput message at %s: %w", lsn, err)
	}
	return r.logical(ctx, lsn, v1(m))
}

// dml emits the change events of an Insert, Update or Delete. A row with
// a value the connector cannot map becomes one failed record (unmappable).
func (r *reader) dml(ctx context.Context, lsn pglogrepl.LSN, d dml) error {
	t, err := r.table(d.relid)
	if t == nil || err != nil {
		return err
	}
	if d.relid == r.signalOID {
		if d.kind == 'I' {
			return r.signal(ctx, lsn, t, d.newRow)
		}
		return nil
	}
	var before, after *record.Struct
	if d.newRow != nil {
		if after, err = t.row(d.newRow, r.cfg.placeholder); err != nil {
			return r.unmappable(ctx, t, lsn, d, err)
		}
	}
	if d.old != nil {
		if before, err = t.row(d.old, r.cfg.placeholder); err != nil {
			return r.unmappable(ctx, t, lsn, d, err)
		}
	}
	switch d.kind {
	case 'I':
		return r.change(ctx, t, lsn, opCreate, nil, after)
	case 'D':
		return r.change(ctx, t, lsn, opDelete, before, nil)
	}
	if before != nil && t.keySchema != nil && !t.key(before).Equal(t.key(after)) {
		// The key changed: Debezium's delete (+ tombstone) of the old key,
		// then a create of the new one.
		if err := r.change(ctx, t, lsn, opDelete, before, nil); err != nil {
			return err
		}
		return r.change(ctx, t, lsn, opCreate, nil, after)
	}
	if d.oldKind != 'O' { // only REPLICA IDENTITY FULL sends the old row
		before = nil
	}
	return r.change(ctx, t, lsn, opUpdate, before, after)
}

// unmappable hands out the failed record of a change whose row cannot be
// mapped (err an *unmappableError; anything else fails the stream).
func (r *reader) unmappable(ctx context.Context, t *table, lsn pglogrepl.LSN, d dml, err error) error {
	var ue *unmappableError
	if !errors.As(err, &ue) {
		return err
	}
	op := opUpdate
	switch d.kind {
	case 'I':
		op = opCreate
	case 'D':
		op = opDelete
	}
	// The failed change still supersedes an open chunk's row of its key.
	r.seenTuple(t, d.old)
	r.seenTuple(t, d.newRow)
	pos, src, off := r.next(lsn, t.rel)
	return r.push(ctx, r.emit.unmappable(t, op, d.old, d.newRow, src, off, err), pos)
}
