package postgres

import (
	"strconv"

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

// source is what a change event's source block says.
type source struct {
	tsUs          int64 // commit time (or snapshot read time), µs since the epoch
	snapshot      string
	schema, table string
	txID          int64 // 0: none
	lsn           int64 // 0: none
	lastCommit    int64 // the commit LSN before this event's, for sequence
}

func (e *emitter) sourceStruct(s source) *record.Struct {
	st := record.NewStruct(sourceSchema).
		Put("version", Version).
		Put("connector", connectorName).
		Put("name", e.cfg.prefix).
		Put("ts_ms", s.tsUs/1000).
		Put("snapshot", s.snapshot).
		Put("db", e.cfg.dbname).
		Put("ts_us", s.tsUs).
		Put("ts_ns", s.tsUs*1000).
		Put("schema", s.schema).
		Put("table", s.table)
	if s.txID != 0 {
		st.Put("txId", s.txID)
	}
	if s.lsn != 0 {
		st.Put("lsn", s.lsn)
		st.Put("sequence", `["`+strconv.FormatInt(s.lastCommit, 10)+`","`+strconv.FormatInt(s.lsn, 10)+`"]`)
	}
	return st
}

// emitter turns decoded rows into Debezium records.
type emitter struct {
	cfg       *config
	partition map[string]any // {"server": topic.prefix}, shared by all records
	now       func() int64   // µs since the epoch: the events' ts_ms
}

func (e *emitter) change(t *table, op string, before, after *record.Struct, src source, offset map[string]any) record.Record {
	v := record.NewStruct(t.envelope).
		Put("source", e.sourceStruct(src)).
		Put("op", op)
	if before != nil {
		v.Put("before", before)
	}
	if after != nil {
		v.Put("after", after)
	}
	now := e.now()
	v.Put("ts_ms", now/1000).Put("ts_us", now).Put("ts_ns", now*1000)
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
