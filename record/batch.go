package record

// EncodeBatch appends the binary form of recs to dst and returns it. Every
// value must be valid for its schema (see Validate); the first invalid value
// is reported with its record index and field path (a *ValidationError
// inside), and dst is returned unextended.
func EncodeBatch(dst []byte, recs []Record) ([]byte, error) {
	e := encoder{buf: dst}
	return e.batch(recs)
}

// DecodeBatch decodes a batch written by EncodeBatch (format version 2, or
// 1). A malformed input is an error, never a panic, and never makes it
// allocate much more than len(src).
//
// The records' []byte values alias src, so src must not be modified or
// reused while they are in use; strings are copied. Records with the same
// source partition share one SourcePartition map, which must be treated as
// read-only.
func DecodeBatch(src []byte) ([]Record, error) {
	d := decoder{src: src}
	return d.batch()
}

// DecodeBatchOwned is DecodeBatch for a src the caller hands over: nothing
// writes to it again (a []byte value of the records may still be modified
// in place: no string shares its bytes). The records' strings then alias
// src too, where DecodeBatch copies the whole batch once for them: for
// batches of large []byte values that copy is most of the decoding's
// memory traffic. A buffer received from the network and decoded once is
// the case it is for.
func DecodeBatchOwned(src []byte, opts ...DecodeOption) ([]Record, error) {
	d := decoder{src: src, owned: true}
	for _, o := range opts {
		switch o {
		case LazySourceOffsets:
			d.lazyOffsets = true
		}
	}
	return d.batch()
}

// A DecodeOption changes what DecodeBatchOwned returns.
type DecodeOption int

const (
	// LazySourceOffsets leaves the SourceOffset of each decoded record nil
	// and keeps the offset's decoded values for Record.SourceOffsetMap,
	// which makes the map on first use: a caller that needs few records'
	// offsets (the worker: the last of each source partition's run, and
	// failed records) saves a map allocation per record. Every reader of
	// such records' offsets must use SourceOffsetMap. Malformed offsets are
	// still errors of the decoding.
	LazySourceOffsets DecodeOption = iota + 1
)
