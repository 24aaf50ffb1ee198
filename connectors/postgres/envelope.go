package postgres

import (
	"strconv"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Debezium's record shapes for PostgreSQL.
const (
	sourceSchemaName     = "io.debezium.connector.postgresql.Source"
	messageKeySchemaName = "io.debezium.connector.postgresql.MessageKey"
	messageValueName     = "io.debezium.connector.postgresql.MessageValue"
	connectorName        = "postgresql"
)

// Change event operations.
const (
	opCreate   = "c"
	opUpdate   = "u"
	opDelete   = "d"
	opRead     = "r"
	opTruncate = "t"
	opMessage  = "m"
)

var snapshotEnum = func() *record.Schema {
	s := &record.Schema{Type: record.String, Optional: true, Name: nameEnum, Version: 1,
		Parameters: map[string]string{"allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}}
	s.Default = "false"
	return s
}()

var sourceSchema = record.NewStructSchema(sourceSchemaName).
	Field("version", record.StringSchema()).
	Field("connector", record.StringSchema()).
	Field("name", record.StringSchema()).
	Field("ts_ms", record.Int64Schema()).
	Field("snapshot", snapshotEnum).
	Field("db", record.StringSchema()).
	Field("sequence", record.OptionalStringSchema()).
	Field("ts_us", record.OptionalInt64Schema()).
	Field("ts_ns", record.OptionalInt64Schema()).
	Field("schema", record.StringSchema()).
	Field("table", record.StringSchema()).
	Field("txId", record.OptionalInt64Schema()).
	Field("lsn", record.OptionalInt64Schema()).
	Field("xmin", record.OptionalInt64Schema()).
	Build()

var blockSchema = record.NewStructSchema("event.block").Version(1).Optional().
	Field("id", record.StringSchema()).
	Field("total_order", record.Int64Schema()).
	Field("data_collection_order", record.Int64Schema()).
	Build()

func envelopeSchema(base string, value *record.Schema) *record.Schema {
	return record.NewStructSchema(base+".Envelope").Version(2).
		Field("before", value).
		Field("after", value).
		Field("source", sourceSchema).
		Field("op", record.StringSchema()).
		Field("ts_ms", record.OptionalInt64Schema()).
		Field("ts_us", record.OptionalInt64Schema()).
		Field("ts_ns", record.OptionalInt64Schema()).
		Field("transaction", blockSchema).
		Build()
}

var messageKeySchema = record.NewStructSchema(messageKeySchemaName).
	Field("prefix", record.OptionalStringSchema()).Build()

var messageBlockSchema = record.NewStructSchema("io.debezium.connector.postgresql.Message").
	Field("prefix", record.OptionalStringSchema()).
	Field("content", record.OptionalBytesSchema()).Build()

var messageValueSchema = record.NewStructSchema(messageValueName).
	Field("op", record.StringSchema()).
	Field("ts_ms", record.OptionalInt64Schema()).
	Field("source", sourceSchema).
	Field("message", messageBlockSchema).Build()

// Field indexes of sourceSchema and of envelopeSchema's schemas, in the
// order they are built (TestFieldIndexes checks them).
const (
	srcVersion = iota
	srcConnector
	srcName
	srcTsMs
	srcSnapshot
	srcDB
	srcSequence
	srcTsUs
	srcTsNs
	srcSchema
	srcTable
	srcTxID
	srcLSN
)

const (
	envBefore = iota
	envAfter
	envSource
	envOp
	envTsMs
	envTsUs
	envTsNs
)

// source is what a change event's source block says.
type source struct {
	tsUs          int64 // commit time (or snapshot read time), µs since the epoch
	snapshot      string
	schema, table string
	txID          int64 // 0: none
	lsn           int64 // 0: none
	lastCommit    int64 // the commit LSN before this event's, for sequence
	// box, when set, boxes the block's numbers; it belongs to the one
	// goroutine that makes the events (the reader, or one snapshot worker).
	box *boxer
}

// boxer boxes an event's numbers from slabs (record.Boxes), the commit
// time's three forms once per transaction, and the schema and table names
// once per run of events of one table: each value a block holds would
// otherwise be an allocation of its own.
type boxer struct {
	record.Boxes
	tsUs              int64
	tsMs, tsUsB, tsNs any
	schema, table     string
	schemaB, tableB   any
}

// names returns schema and table as interfaces.
func (b *boxer) names(schema, table string) (any, any) {
	if b == nil {
		return schema, table
	}
	if b.schemaB == nil || b.schema != schema || b.table != table {
		b.schema, b.table, b.schemaB, b.tableB = schema, table, b.String(schema), b.String(table)
	}
	return b.schemaB, b.tableB
}

// constant returns s, one of the fixed strings an event holds, as an
// interface without an allocation.
func constant(s string) any {
	switch s {
	case opCreate:
		return opCreate
	case opUpdate:
		return opUpdate
	case opDelete:
		return opDelete
	case opRead:
		return opRead
	case opTruncate:
		return opTruncate
	case "false":
		return "false"
	case "true":
		return "true"
	case "last":
		return "last"
	case "incremental":
		return "incremental"
	}
	return s
}

func (b *boxer) int64(v int64) any {
	if b == nil {
		return v
	}
	return b.Int64(v)
}

func (b *boxer) str(v string) any {
	if b == nil {
		return v
	}
	return b.String(v)
}

// commitTime returns tsUs as ts_ms, ts_us and ts_ns.
func (b *boxer) commitTime(tsUs int64) (ms, us, ns any) {
	if b == nil {
		return tsUs / 1000, tsUs, tsUs * 1000
	}
	if b.tsMs == nil || b.tsUs != tsUs {
		b.tsUs, b.tsMs, b.tsUsB, b.tsNs = tsUs, b.Int64(tsUs/1000), b.Int64(tsUs), b.Int64(tsUs*1000)
	}
	return b.tsMs, b.tsUsB, b.tsNs
}

func (e *emitter) sourceStruct(s source) *record.Struct {
	ms, us, ns := s.box.commitTime(s.tsUs)
	schema, table := s.box.names(s.schema, s.table)
	st := record.NewStruct(sourceSchema).
		PutAt(srcVersion, Version).
		PutAt(srcConnector, connectorName).
		PutAt(srcName, e.prefix).
		PutAt(srcTsMs, ms).
		PutAt(srcSnapshot, constant(s.snapshot)).
		PutAt(srcDB, e.dbname).
		PutAt(srcTsUs, us).
		PutAt(srcTsNs, ns).
		PutAt(srcSchema, schema).
		PutAt(srcTable, table)
	if s.txID != 0 {
		st.PutAt(srcTxID, s.box.int64(s.txID))
	}
	if s.lsn != 0 {
		st.PutAt(srcLSN, s.box.int64(s.lsn))
		var b [48]byte
		seq := append(strconv.AppendInt(append(b[:0], `["`...), s.lastCommit, 10), `","`...)
		seq = append(strconv.AppendInt(seq, s.lsn, 10), `"]`...)
		st.PutAt(srcSequence, s.box.str(string(seq)))
	}
	return st
}

// emitter turns decoded rows into Debezium records.
type emitter struct {
	cfg       *config
	partition map[string]any // {"server": topic.prefix}, shared by all records
	now       func() int64   // µs since the epoch: the events' ts_ms
	// prefix and dbname are cfg's topic.prefix and database.dbname, boxed
	// once for every event's source block.
	prefix, dbname any
}

func newEmitter(cfg *config, now func() int64) *emitter {
	return &emitter{cfg: cfg, partition: map[string]any{PartitionServer: cfg.prefix}, now: now,
		prefix: cfg.prefix, dbname: cfg.dbname}
}

func (e *emitter) change(t *table, op string, before, after *record.Struct, src source, offset map[string]any) record.Record {
	v := record.NewStruct(t.envelope).
		PutAt(envSource, e.sourceStruct(src)).
		PutAt(envOp, constant(op))
	if before != nil {
		v.PutAt(envBefore, before)
	}
	if after != nil {
		v.PutAt(envAfter, after)
	}
	now := e.now()
	v.PutAt(envTsMs, src.box.int64(now/1000)).PutAt(envTsUs, src.box.int64(now)).PutAt(envTsNs, src.box.int64(now*1000))
	r := record.Record{Topic: t.topic, Partition: -1, ValueSchema: t.envelope, Value: v,
		SourcePartition: e.partition, SourceOffset: offset}
	keyOf := after
	if keyOf == nil {
		keyOf = before
	}
	if k := t.key(keyOf); k != nil {
		r.KeySchema, r.Key = t.keySchema, k
	}
	return r
}

// unmappable is the record of an event whose row the connector cannot map:
// sdk.FailedRecord of the raw columns (schemaless, as text), the source
// block's position and the event's source offset, for errors.tolerance to
// route (the dead-letter queue, or a failed task), never a silent skip.
func (e *emitter) unmappable(t *table, op string, before, after []tupleCol, src source, offset map[string]any, err error) record.Record {
	block := map[string]any{"schema": src.schema, "table": src.table, "snapshot": src.snapshot, "ts_ms": src.tsUs / 1000}
	if src.txID != 0 {
		block["txId"] = src.txID
	}
	if src.lsn != 0 {
		block["lsn"] = src.lsn
	}
	v := map[string]any{"op": op, "source": block}
	if before != nil {
		v["before"] = t.raw(before, e.cfg.placeholder)
	}
	if after != nil {
		v["after"] = t.raw(after, e.cfg.placeholder)
	}
	r := record.Record{Topic: t.topic, Partition: -1, Value: v, SourcePartition: e.partition, SourceOffset: offset}
	return sdk.FailedRecord(r, err)
}

// tombstone follows a delete: the same key, a null value.
func tombstone(del record.Record, offset map[string]any) record.Record {
	return record.Record{Topic: del.Topic, Partition: -1, KeySchema: del.KeySchema, Key: del.Key,
		SourcePartition: del.SourcePartition, SourceOffset: offset}
}

func (e *emitter) truncate(t *table, src source, offset map[string]any) record.Record {
	r := e.change(t, opTruncate, nil, nil, src, offset)
	r.KeySchema, r.Key = nil, nil
	return r
}

func (e *emitter) message(prefix string, content []byte, src source, offset map[string]any) record.Record {
	now := e.now()
	v := record.NewStruct(messageValueSchema).
		Put("op", opMessage).
		Put("ts_ms", now/1000).
		Put("source", e.sourceStruct(src)).
		Put("message", record.NewStruct(messageBlockSchema).Put("prefix", prefix).Put("content", content))
	return record.Record{Topic: e.cfg.prefix + ".message", Partition: -1,
		KeySchema: messageKeySchema, Key: record.NewStruct(messageKeySchema).Put("prefix", prefix),
		ValueSchema: messageValueSchema, Value: v, SourcePartition: e.partition, SourceOffset: offset}
}

var heartbeatKeySchema = record.NewStructSchema("io.debezium.connector.common.ServerNameKey").
	Field("serverName", record.StringSchema()).Build()

var heartbeatValueSchema = record.NewStructSchema("io.debezium.connector.common.Heartbeat").
	Field("ts_ms", record.Int64Schema()).Build()

func (e *emitter) heartbeat(offset map[string]any) record.Record {
	return record.Record{Topic: e.cfg.heartbeatTopic, Partition: -1,
		KeySchema: heartbeatKeySchema, Key: record.NewStruct(heartbeatKeySchema).Put("serverName", e.cfg.prefix),
		ValueSchema: heartbeatValueSchema, Value: record.NewStruct(heartbeatValueSchema).Put("ts_ms", e.now()/1000),
		SourcePartition: e.partition, SourceOffset: offset}
}
