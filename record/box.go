package record

import (
	"time"
	"unsafe"
)

// Storing an int64, string, []byte or time.Time in an interface allocates a
// heap copy of it: one allocation per value, the bulk of a decoded batch's
// allocations. The decoder instead copies such values into slabs (one
// allocation per up to slabLen values of a type) and makes each interface
// point at its slab element, as the runtime's own conversion points at its
// heap copy. An interface's data is immutable (nothing can reach it to write
// without package unsafe), and each slab element is written once, before its
// interface exists, so values sharing a slab cannot tell. The cost: one live
// value keeps its slab (at most slabLen values) alive, as a []byte value keeps
// the batch it aliases.
//
// This relies on the layout of an empty interface, a type word and a data
// pointer (the layout package reflect and the runtime share, unchanged since
// Go 1.4); box_test.go checks it.

// eface is the layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

var (
	int32Type   = typeWord(int32(0))
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
	stringType  = typeWord("")
	bytesType   = typeWord([]byte(nil))
	timeType    = typeWord(time.Time{})
)

// slabLen bounds a slab: the memory one live value may keep alive.
const slabLen = 128

// slab hands out boxed values of T; see above.
type slab[T any] []T

// box returns v in an interface whose data is the next element of s
// (typ must be T's type word). remaining, the input bytes left, bounds a new
// slab: each boxed value takes at least one byte of input.
func (s *slab[T]) box(typ unsafe.Pointer, v T, remaining int) any {
	if len(*s) == 0 {
		*s = make([]T, clamp(remaining+1, 1, slabLen))
	}
	p := &(*s)[0]
	*p = v
	*s = (*s)[1:]
	var x any
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = typ, unsafe.Pointer(p)
	return x
}

// boxes are a decoder's slabs, one per type it boxes.
type boxes struct {
	i32   slab[int32]
	i64   slab[int64]
	f64   slab[float64]
	strs  slab[string]
	bytes slab[[]byte]
	times slab[time.Time]
}

func (d *decoder) boxInt32(v int32) any {
	if uint32(v) < 256 {
		return v // the runtime boxes small values without allocating
	}
	return d.box.i32.box(int32Type, v, d.remaining())
}

func (d *decoder) boxInt64(v int64) any {
	if uint64(v) < 256 {
		return v
	}
	return d.box.i64.box(int64Type, v, d.remaining())
}

func (d *decoder) boxFloat64(v float64) any { return d.box.f64.box(float64Type, v, d.remaining()) }

func (d *decoder) boxString(v string) any {
	if v == "" {
		return v
	}
	return d.box.strs.box(stringType, v, d.remaining())
}

func (d *decoder) boxBytes(v []byte) any { return d.box.bytes.box(bytesType, v, d.remaining()) }

func (d *decoder) boxTime(v time.Time) any { return d.box.times.box(timeType, v, d.remaining()) }

// Boxes boxes values the way the decoder does, for code that builds many
// records, such as a source connector: Int64(v) and String(v) return the
// same interface values as any(v), without an allocation each. A boxed
// value keeps its slab (up to 128 values) alive. Not safe for concurrent
// use; the zero value is ready.
type Boxes struct{ b boxes }

// Int64 returns v as an interface.
func (x *Boxes) Int64(v int64) any {
	if uint64(v) < 256 {
		return v
	}
	return x.b.i64.box(int64Type, v, slabLen)
}

// String returns v as an interface.
func (x *Boxes) String(v string) any {
	if v == "" {
		return v
	}
	return x.b.strs.box(stringType, v, slabLen)
}
