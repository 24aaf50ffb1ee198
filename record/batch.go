package record

// EncodeBatch appends the binary form of recs to dst and returns it. Every
// value must be valid for its schema (see Validate); the first invalid value
// is reported with its record index and field path (a *ValidationError
// inside), and dst is returned unextended.
func EncodeBatch(dst []byte, recs []Record) ([]byte, error) {
	e := encoder{buf: dst}
	return e.batch(recs)
}

// DecodeBatch decodes a batch written by EncodeBatch. A malformed input is an
// error, never a panic, and never makes it allocate much more than len(src).
func DecodeBatch(src []byte) ([]Record, error) {
	d := decoder{src: src}
	return d.batch()
}
