package record

// Batch format constants; see the package documentation.
const (
	magic0       = 'S'
	magic1       = 'B'
	batchVersion = 2
	// batchVersion1 wrote source partition and offset maps in full for
	// every record; DecodeBatch still reads it.
	batchVersion1 = 1
	// maxInterned bounds how many source partition maps and source offset
	// key sets the encoder remembers per batch for reuse. Definitions past
	// it are still numbered (the decoder numbers every one) but the encoder
	// does not look them up again, so its lookups stay cheap on batches
	// whose maps all differ.
	maxInterned = 16
)

// Record flags.
const (
	recTimestamp       = 1 << 0
	recTimestampNanos  = 1 << 1
	recSourcePartition = 1 << 2
	recSourceOffset    = 1 << 3
	recOffset          = 1 << 4
	recHeaders         = 1 << 5
	recFlagsMask       = 1<<6 - 1
)

// Schema definition flags.
const (
	schOptional  = 1 << 0
	schDefault   = 1 << 1
	schName      = 1 << 2
	schVersion   = 1 << 3
	schDoc       = 1 << 4
	schParams    = 1 << 5
	schFlagsMask = 1<<6 - 1
)

// Tags of schemaless values.
const (
	tagNull = iota
	tagFalse
	tagTrue
	tagInt8
	tagInt16
	tagInt32
	tagInt64
	tagFloat32
	tagFloat64
	tagString
	tagBytes
	tagArray
	tagStringMap
	tagMap
	tagStruct
	tagDecimal
	tagTime
)
