package record

import (
	"math"
	"reflect"
	"strconv"
	"unsafe"
)

// Source partition and source offset maps are interned per batch (format
// version 2). A batch's records usually share one source partition ({"task":
// 0}) and have source offsets with one key set ({"seq": n}), so a partition
// is written once and then named by id, and an offset's key set is written
// once and then only its values are.

// partEntry is a source partition map the encoder has defined.
type partEntry struct {
	m    map[string]any
	ptr  unsafe.Pointer // the map's identity
	flat bool           // every value is a scalar flatEqual can compare
}

func mapPtr(m map[string]any) unsafe.Pointer { return reflect.ValueOf(m).UnsafePointer() }

// sourcePartition writes a source partition ref: uv 0 and the map (it
// defines the next id), or uv id+1 for a map equal to one defined earlier.
func (e *encoder) sourcePartition(m map[string]any) error {
	if id, ok := e.partID(m); ok {
		e.uvarint(uint64(id) + 1)
		return nil
	}
	e.buf = append(e.buf, 0)
	if err := e.stringMap(m, 0); err != nil {
		return err
	}
	if len(e.parts) < maxInterned {
		e.parts = append(e.parts, partEntry{m: m, ptr: mapPtr(m), flat: flatMap(m)})
	}
	e.nparts++
	return nil
}

// partID finds m among the partitions defined: by identity, then, for flat
// maps, by content. Once the table is full only the last match is compared
// by content, which bounds the cost on batches whose partitions all differ.
func (e *encoder) partID(m map[string]any) (int, bool) {
	if len(e.parts) == 0 {
		return 0, false
	}
	p := mapPtr(m)
	if e.parts[e.lastPart].ptr == p {
		return e.lastPart, true
	}
	for i := range e.parts {
		if e.parts[i].ptr == p {
			e.lastPart = i
			return i, true
		}
	}
	if last := &e.parts[e.lastPart]; last.flat && len(last.m) == len(m) && flatEqual(last.m, m) {
		return e.lastPart, true
	}
	if len(e.parts) == maxInterned {
		return 0, false
	}
	for i := range e.parts {
		if t := &e.parts[i]; t.flat && len(t.m) == len(m) && flatEqual(t.m, m) {
			e.lastPart = i
			return i, true
		}
	}
	return 0, false
}

// flatMap reports whether every value of m is nil, a bool, an integer, a
// float or a string: values flatEqual compares.
func flatMap(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case nil, bool, int8, int16, int32, int64, int, float32, float64, string:
		default:
			return false
		}
	}
	return true
}

// flatEqual reports whether flat maps a and b, of equal length, have the
// same keys and values that encode identically (same Go type, same bits).
func flatEqual(a, b map[string]any) bool {
	for k, va := range a {
		vb, ok := b[k]
		if !ok {
			return false
		}
		switch x := va.(type) {
		case float64:
			y, ok := vb.(float64)
			if !ok || math.Float64bits(x) != math.Float64bits(y) {
				return false
			}
		case float32:
			y, ok := vb.(float32)
			if !ok || math.Float32bits(x) != math.Float32bits(y) {
				return false
			}
		case nil, bool, int8, int16, int32, int64, int, string:
			// Comparable types: == compares type and value, never panics.
			if va != vb {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// sourceOffset writes a source offset: a key set ref — uv 0, uv n and n
// str keys (defining the next id), or uv id+1 for a key set defined earlier
// — then the n values, tagged, in the key set's order.
func (e *encoder) sourceOffset(m map[string]any) error {
	if len(e.keysets) > 0 {
		if ok, err := e.offsetWithKeys(e.lastKeys, m); ok || err != nil {
			return err
		}
		if len(e.keysets) < maxInterned {
			for i := range e.keysets {
				if i == e.lastKeys {
					continue
				}
				if ok, err := e.offsetWithKeys(i, m); ok || err != nil {
					e.lastKeys = i
					return err
				}
			}
		}
	}
	var keys []string
	if len(e.keysets) < maxInterned {
		keys = make([]string, 0, len(m)) // kept in keysets
	} else {
		keys = e.keyScratch[:0]
		defer func() { e.keyScratch = keys }()
	}
	vals := e.vals[:0]
	e.buf = append(e.buf, 0)
	e.uvarint(uint64(len(m)))
	for k, v := range m {
		keys = append(keys, k)
		vals = append(vals, v)
		e.string(k)
	}
	e.vals = vals
	for i, v := range vals {
		if err := e.dynamic(v, 1); err != nil {
			clear(vals)
			return atPath(err, "["+strconv.Quote(keys[i])+"]")
		}
	}
	clear(vals)
	if len(e.keysets) < maxInterned {
		e.lastKeys = len(e.keysets)
		e.keysets = append(e.keysets, keys)
	}
	e.nkeysets++
	return nil
}

// offsetWithKeys writes m by reference to key set i if m has exactly those
// keys; if not it writes nothing and returns false.
func (e *encoder) offsetWithKeys(i int, m map[string]any) (bool, error) {
	keys := e.keysets[i]
	if len(keys) != len(m) {
		return false, nil
	}
	start := len(e.buf)
	e.uvarint(uint64(i) + 1)
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			e.buf = e.buf[:start]
			return false, nil
		}
		if err := e.dynamic(v, 1); err != nil {
			return true, atPath(err, "["+strconv.Quote(k)+"]")
		}
	}
	return true, nil
}

func (d *decoder) sourcePartition() (map[string]any, error) {
	r, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if r == 0 {
		m, err := d.stringMap(0)
		if err == nil {
			d.parts = append(d.parts, m)
		}
		return m, err
	}
	if r-1 >= uint64(len(d.parts)) {
		return nil, d.fail("source partition ref %d undefined", r)
	}
	return d.parts[r-1], nil
}

// sourceOffset reads r's source offset: into SourceOffset, or, with
// LazySourceOffsets, into r.lazyOffset (the values decoded, every error
// found, only the map not built).
func (d *decoder) sourceOffset(r *Record) error {
	ref, err := d.uvarint()
	if err != nil {
		return err
	}
	var keys []string
	switch {
	case ref == 0:
		n, err := d.length(2) // each key takes a byte, and so does its value
		if err != nil {
			return err
		}
		keys = make([]string, n)
		for i := range keys {
			if keys[i], err = d.string(); err != nil {
				return err
			}
		}
		if dupKey(keys) {
			return d.fail("source offset key set with a duplicate key")
		}
		d.keysets = append(d.keysets, keys)
	case ref-1 < uint64(len(d.keysets)):
		keys = d.keysets[ref-1]
		if len(keys) > d.remaining() { // each value takes a byte
			return d.fail("source offset of %d values exceeds the input", len(keys))
		}
	default:
		return d.fail("source offset key set ref %d undefined", ref)
	}
	if d.lazyOffsets {
		vals := d.anys(len(keys)) // never nil: nil vals means no lazy offset
		for i := range vals {
			if vals[i], err = d.dynamic(1); err != nil {
				return err
			}
		}
		// Field by field: assigning the struct whole copies it with bulk
		// write barriers (runtime.wbMove), a cost a profile shows.
		r.lazyOffset.keys, r.lazyOffset.vals = keys, vals
		return nil
	}
	m := make(map[string]any, len(keys))
	for _, k := range keys {
		if m[k], err = d.dynamic(1); err != nil {
			return err
		}
	}
	r.SourceOffset = m
	return nil
}

// dupKey reports whether keys holds a key twice.
func dupKey(keys []string) bool {
	if len(keys) <= 8 {
		for i, k := range keys {
			for _, l := range keys[:i] {
				if k == l {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}
