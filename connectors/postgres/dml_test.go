package postgres

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pglogrepl"
)

// pgoutput builds pgoutput messages for the tests.
type pgoutput []byte

func (b pgoutput) u32(v uint32) pgoutput { return binary.BigEndian.AppendUint32(b, v) }

// tuple appends TupleData: each column "n" (null), "u" (unchanged TOAST)
// or "t:text".
func (b pgoutput) tuple(cols ...string) pgoutput {
	b = binary.BigEndian.AppendUint16(b, uint16(len(cols)))
	for _, c := range cols {
		b = append(b, c[0])
		if c[0] == 't' || c[0] == 'b' {
			b = b.u32(uint32(len(c) - 2))
			b = append(b, c[2:]...)
		}
	}
	return b
}

func TestParseDML(t *testing.T) {
	const xid, rel = 777, 16384
	for _, tc := range []struct {
		name     string
		msg      pgoutput
		streamed bool
		want     dml
	}{
		{"insert", append(pgoutput{'I'}.u32(rel), 'N').tuple("t:1", "n", "t:héllo"), false,
			dml{kind: 'I', relid: rel, newRow: []tupleCol{{'t', "1"}, {'n', ""}, {'t', "héllo"}}}},
		{"streamed insert", append(pgoutput{'I'}.u32(xid).u32(rel), 'N').tuple("t:"), true,
			dml{kind: 'I', relid: rel, newRow: []tupleCol{{'t', ""}}}},
		{"update", append(pgoutput{'U'}.u32(rel), 'N').tuple("t:2", "u"), false,
			dml{kind: 'U', relid: rel, newRow: []tupleCol{{'t', "2"}, {'u', ""}}}},
		{"update of the key", append(append(pgoutput{'U'}.u32(rel), 'K').tuple("t:1", "n"), 'N').tuple("t:2", "t:x"), false,
			dml{kind: 'U', relid: rel, oldKind: 'K', old: []tupleCol{{'t', "1"}, {'n', ""}}, newRow: []tupleCol{{'t', "2"}, {'t', "x"}}}},
		{"update, replica identity full", append(append(pgoutput{'U'}.u32(xid).u32(rel), 'O').tuple("t:1", "t:a"), 'N').tuple("t:1", "t:b"), true,
			dml{kind: 'U', relid: rel, oldKind: 'O', old: []tupleCol{{'t', "1"}, {'t', "a"}}, newRow: []tupleCol{{'t', "1"}, {'t', "b"}}}},
		{"delete", append(pgoutput{'D'}.u32(rel), 'K').tuple("t:9", "n"), false,
			dml{kind: 'D', relid: rel, oldKind: 'K', old: []tupleCol{{'t', "9"}, {'n', ""}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := parseDML(tc.msg, tc.streamed)
			if err != nil || !ok {
				t.Fatalf("parseDML: ok %v, %v", ok, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parseDML:\n got  %+v\n want %+v", got, tc.want)
			}
			// pglogrepl reads the same message the same way.
			if want := viaPglogrepl(t, tc.msg, tc.streamed); !reflect.DeepEqual(got, want) {
				t.Fatalf("parseDML and pglogrepl differ:\n parseDML  %+v\n pglogrepl %+v", got, want)
			}
		})
	}

	for _, tc := range []struct {
		name string
		msg  pgoutput
		text string
	}{
		{"truncated relid", pgoutput{'I', 0, 0}, "truncated at byte 1"},
		{"missing N", pgoutput{'I'}.u32(rel), "truncated"},
		{"wrong tuple type", append(pgoutput{'I'}.u32(rel), 'X').tuple("n"), `tuple type 'X', want 'N'`},
		{"bad column kind", append(pgoutput{'I'}.u32(rel), 'N').tuple("z"), `kind 'z'`},
		{"value longer than the message", append(append(pgoutput{'I'}.u32(rel), 'N', 0, 1, 't'), pgoutput{}.u32(100)...), "needs 100 bytes"},
		{"negative length", append(append(pgoutput{'I'}.u32(rel), 'N', 0, 1, 't'), pgoutput{}.u32(0xffffffff)...), "needs -1 bytes"},
		{"bytes after", append(append(pgoutput{'D'}.u32(rel), 'K').tuple("n"), 0), "1 bytes after"},
		{"delete without old", append(pgoutput{'D'}.u32(rel), 'N').tuple("n"), "want K or O"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ok, err := parseDML(tc.msg, false)
			if !ok || err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("parseDML: ok %v, error %v; want one containing %q", ok, err, tc.text)
			}
		})
	}

	for _, other := range []pgoutput{{'B'}, {'C'}, {'R'}, {'T'}, {'M'}, {}} {
		if _, ok, err := parseDML(other, false); ok || err != nil {
			t.Errorf("parseDML(%q): ok %v, %v; want it left to pglogrepl", other, ok, err)
		}
	}
}

// viaPglogrepl decodes msg with pglogrepl into a dml.
func viaPglogrepl(t testing.TB, msg []byte, streamed bool) dml {
	d, err := pglogreplDML(msg, streamed)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pglogreplDML decodes msg with pglogrepl into a dml (its panics on
// malformed input are errors).
func pglogreplDML(msg []byte, streamed bool) (_ dml, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pglogrepl panicked: %v", p)
		}
	}()
	m, err := pglogrepl.ParseV2(msg, streamed)
	if err != nil {
		return dml{}, fmt.Errorf("pglogrepl: %w", err)
	}
	cols := func(td *pglogrepl.TupleData) []tupleCol {
		if td == nil {
			return nil
		}
		out := make([]tupleCol, len(td.Columns))
		for i, c := range td.Columns {
			out[i] = tupleCol{c.DataType, string(c.Data)}
		}
		return out
	}
	switch m := m.(type) {
	case *pglogrepl.InsertMessageV2:
		return dml{kind: 'I', relid: m.RelationID, newRow: cols(m.Tuple)}, nil
	case *pglogrepl.UpdateMessageV2:
		return dml{kind: 'U', relid: m.RelationID, oldKind: byte(m.OldTupleType), old: cols(m.OldTuple), newRow: cols(m.NewTuple)}, nil
	case *pglogrepl.DeleteMessageV2:
		return dml{kind: 'D', relid: m.RelationID, oldKind: byte(m.OldTupleType), old: cols(m.OldTuple)}, nil
	}
	return dml{}, fmt.Errorf("pglogrepl: %T is not a DML message", m)
}

// FuzzParseDML: parseDML never panics, and where both decode a message,
// they agree. (pglogrepl refuses a row of no columns, which a table
// without columns sends, and ignores bytes after a message.)
func FuzzParseDML(f *testing.F) {
	f.Add([]byte(append(pgoutput{'I'}.u32(1), 'N').tuple("t:1", "n", "u")), false)
	f.Add([]byte(append(append(pgoutput{'U'}.u32(5).u32(1), 'O').tuple("t:1"), 'N').tuple("t:2")), true)
	f.Add([]byte(append(pgoutput{'D'}.u32(1), 'K').tuple("t:abc")), false)
	f.Fuzz(func(t *testing.T, msg []byte, streamed bool) {
		got, ok, err := parseDML(msg, streamed)
		if !ok || err != nil {
			return
		}
		want, perr := pglogreplDML(msg, streamed)
		if perr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%x: parseDML %+v, pglogrepl %+v", msg, got, want)
		}
	})
}
