package record

import (
	"bytes"
	"testing"
)

// FuzzDecodeBatch checks two invariants:
//   - DecodeBatch never panics, and its allocation stays proportional to the
//     input (counts are bounded by the bytes left; nesting by MaxDepth);
//   - whatever it accepts re-encodes, and the re-encoding decodes to equal
//     records (valid encodings round-trip);
//   - DecodeBatchOwned accepts exactly what DecodeBatch accepts, with equal
//     records, and so does it with LazySourceOffsets, whose records equal
//     them once SourceOffsetMap built their offsets (and re-encode as they
//     do before that).
func FuzzDecodeBatch(f *testing.F) {
	seeds := [][]Record{
		benchBatch()[:3],
		datagenBatch(true)[:4],
		{{SourcePartition: map[string]any{"a": 1.5}, SourceOffset: map[string]any{"x": "y", "z": nil}},
			{SourcePartition: map[string]any{"a": 1.5}, SourceOffset: map[string]any{"x": "w", "z": int8(1)}},
			{SourcePartition: map[string]any{}, SourceOffset: map[string]any{"q": []byte("b")}}},
		{{Topic: "t", ValueSchema: userSchema(), Value: user(1), Headers: []Header{{Key: "k", Value: "v"}}}},
		{{Value: map[string]any{"a": []any{int64(1), 2.5, nil, true, []byte("x")}}, SourceOffset: map[string]any{"p": int64(3)}}},
		{{ValueSchema: MapSchema(Int32Schema(), OptionalDecimalSchema(2)), Value: map[any]any{int32(1): NewDecimal(-5, 2), int32(2): nil}}},
		{{ValueSchema: ArraySchema(DateSchema()), Value: []any{DateFromDays(-3)}, KeySchema: TimeSchema(), Key: TimeFromMillis(5)}},
	}
	for _, recs := range seeds {
		b, err := EncodeBatch(nil, recs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("SB\x01\x01\x00\x00\x00\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		recs, err := DecodeBatch(in)
		owned, oerr := DecodeBatchOwned(bytes.Clone(in))
		if (err == nil) != (oerr == nil) {
			t.Fatalf("DecodeBatch: %v; DecodeBatchOwned: %v", err, oerr)
		}
		if err != nil {
			if _, lerr := DecodeBatchOwned(bytes.Clone(in), LazySourceOffsets); lerr == nil {
				t.Fatalf("DecodeBatch: %v; DecodeBatchOwned with LazySourceOffsets accepts", err)
			}
			return
		}
		lazy, lerr := DecodeBatchOwned(bytes.Clone(in), LazySourceOffsets)
		if lerr != nil {
			t.Fatalf("DecodeBatch accepts, DecodeBatchOwned with LazySourceOffsets: %v", lerr)
		}
		for i := range recs {
			assertRecordEqual(t, recs[i], owned[i])
		}
		assertLazyEqual(t, recs, lazy)
		out, err := EncodeBatch(nil, recs)
		if err != nil {
			t.Fatalf("decoded records do not re-encode: %v", err)
		}
		again, err := DecodeBatch(out)
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("%d records, then %d", len(recs), len(again))
		}
		for i := range recs {
			assertRecordEqual(t, recs[i], again[i])
		}
	})
}
