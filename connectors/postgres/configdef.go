package postgres

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Configuration keys, with Debezium's names.
const (
	KeyHostname          = "database.hostname"
	KeyPort              = "database.port"
	KeyUser              = "database.user"
	KeyPassword          = "database.password"
	KeyDBName            = "database.dbname"
	KeySSLMode           = "database.sslmode"
	KeyTopicPrefix       = "topic.prefix"
	KeySchemaInclude     = "schema.include.list"
	KeySchemaExclude     = "schema.exclude.list"
	KeyTableInclude      = "table.include.list"
	KeyTableExclude      = "table.exclude.list"
	KeyColumnInclude     = "column.include.list"
	KeyColumnExclude     = "column.exclude.list"
	KeyMessageKeyColumns = "message.key.columns"
	KeySlotName          = "slot.name"
	KeySlotDropOnStop    = "slot.drop.on.stop"
	KeyPublicationName   = "publication.name"
	KeyPublicationMode   = "publication.autocreate.mode"
	KeySnapshotMode      = "snapshot.mode"
	KeySnapshotFetchSize = "snapshot.fetch.size"
	KeySnapshotThreads   = "snapshot.max.threads"
	KeyTombstones        = "tombstones.on.delete"
	KeyDecimalMode       = "decimal.handling.mode"
	KeyHeartbeatInterval = "heartbeat.interval.ms"
	KeyHeartbeatQuery    = "heartbeat.action.query"
	KeyHeartbeatPrefix   = "topic.heartbeat.prefix"
	KeyPlaceholder       = "unavailable.value.placeholder"
	KeyMaxBatchSize      = "max.batch.size"
	KeyMaxQueueSize      = "max.queue.size"
	KeyStatusInterval    = "status.update.interval.ms"
	KeyPollInterval      = "poll.interval.ms"
	KeyRetryDelayMax     = "retriable.restart.connector.wait.ms"
	KeySignalTable       = "signal.data.collection"
	KeyIncrementalChunk  = "incremental.snapshot.chunk.size"

	// Debezium's Kafka signal channel (signals.go).
	KeySignalChannels     = "signal.enabled.channels"
	KeySignalKafkaTopic   = "signal.kafka.topic"
	KeySignalKafkaServers = "signal.kafka.bootstrap.servers"
	KeySignalKafkaGroup   = "signal.kafka.groupId"
	KeySignalKafkaPoll    = "signal.kafka.poll.timeout.ms"
)

// Signal channels (signal.enabled.channels).
const (
	ChannelSource = "source"
	ChannelKafka  = "kafka"
)

// Snapshot modes (Debezium's; "never" is accepted as the old name of no_data).
const (
	SnapshotInitial     = "initial"
	SnapshotInitialOnly = "initial_only"
	SnapshotNoData      = "no_data"
	SnapshotNever       = "never"
	SnapshotWhenNeeded  = "when_needed"
	SnapshotAlways      = "always"
)

// Publication autocreate modes.
const (
	PublicationAllTables = "all_tables"
	PublicationFiltered  = "filtered"
	PublicationDisabled  = "disabled"
)

// Decimal handling modes.
const (
	DecimalPrecise = "precise"
	DecimalDouble  = "double"
	DecimalString  = "string"
)

// DefaultPlaceholder is Debezium's unavailable.value.placeholder.
const DefaultPlaceholder = "__debezium_unavailable_value"

var identifier = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

func slotNameValid(v string) error {
	if !identifier.MatchString(v) {
		return fmt.Errorf("a replication slot name is 1 to 63 lower-case letters, digits and underscores")
	}
	return nil
}

func publicationNameValid(v string) error {
	if !identifier.MatchString(v) {
		return fmt.Errorf("use 1 to 63 lower-case letters, digits and underscores")
	}
	return nil
}

func regexList(v string) error {
	for _, p := range splitList(v) {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("%q is not a regular expression: %v", p, err)
		}
	}
	return nil
}

func keyColumnsValid(v string) error {
	_, err := parseKeyColumns(v)
	return err
}

func positive(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 1 {
		return fmt.Errorf("must be at least 1")
	}
	return nil
}

func nonNegative(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("must be at least 0")
	}
	return nil
}

func configDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{Name: KeyHostname, Type: sdk.String, Required: true, Importance: sdk.High, Validator: sdk.NonEmpty,
			Doc: "Host name or address of the PostgreSQL server."}).
		Define(sdk.Key{Name: KeyPort, Type: sdk.Int, Default: "5432", Importance: sdk.High, Validator: sdk.Range(1, 65535),
			Doc: "Port of the PostgreSQL server."}).
		Define(sdk.Key{Name: KeyUser, Type: sdk.String, Required: true, Importance: sdk.High, Validator: sdk.NonEmpty,
			Doc: "User to connect as; it needs the REPLICATION attribute (or superuser) and SELECT on the captured tables."}).
		Define(sdk.Key{Name: KeyPassword, Type: sdk.Password, Importance: sdk.High,
			Doc: "Password of database.user."}).
		Define(sdk.Key{Name: KeyDBName, Type: sdk.String, Required: true, Importance: sdk.High, Validator: sdk.NonEmpty,
			Doc: "The database to capture changes from."}).
		Define(sdk.Key{Name: KeySSLMode, Type: sdk.String, Default: "prefer", Importance: sdk.Medium,
			Validator: sdk.OneOf("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
			Doc:       "libpq sslmode: disable, allow, prefer, require, verify-ca or verify-full."}).
		Define(sdk.Key{Name: KeyTopicPrefix, Type: sdk.String, Required: true, Importance: sdk.High, Validator: topicPrefixValid,
			Doc: "Names this server: the prefix of every topic (<prefix>.<schema>.<table>) and the source partition {\"server\": prefix} of every offset."}).
		Define(sdk.Key{Name: KeySchemaInclude, Type: sdk.List, Importance: sdk.Medium, Validator: regexList,
			Doc: "Comma-separated regular expressions; only schemas whose whole name matches one are captured. Excludes schema.exclude.list."}).
		Define(sdk.Key{Name: KeySchemaExclude, Type: sdk.List, Importance: sdk.Medium, Validator: regexList,
			Doc: "Comma-separated regular expressions of schemas not to capture."}).
		Define(sdk.Key{Name: KeyTableInclude, Type: sdk.List, Importance: sdk.Medium, Validator: regexList,
			Doc: "Comma-separated regular expressions matched against the whole schema.table; only matching tables are captured."}).
		Define(sdk.Key{Name: KeyTableExclude, Type: sdk.List, Importance: sdk.Medium, Validator: regexList,
			Doc: "Comma-separated regular expressions of schema.table names not to capture."}).
		Define(sdk.Key{Name: KeyColumnInclude, Type: sdk.List, Importance: sdk.Low, Validator: regexList,
			Doc: "Comma-separated regular expressions matched against schema.table.column; only matching columns are in change events (key columns always are)."}).
		Define(sdk.Key{Name: KeyColumnExclude, Type: sdk.List, Importance: sdk.Low, Validator: regexList,
			Doc: "Comma-separated regular expressions of schema.table.column names to leave out of change events."}).
		Define(sdk.Key{Name: KeyMessageKeyColumns, Type: sdk.String, Importance: sdk.Low, Validator: keyColumnsValid,
			Doc: "Record keys for tables without (or instead of) a primary key: schema.table:col1,col2;schema.table2:col (the table part is a regular expression)."}).
		Define(sdk.Key{Name: KeySlotName, Type: sdk.String, Default: "sluice", Importance: sdk.Medium, Validator: slotNameValid,
			Doc: "Name of the logical replication slot (pgoutput); created when missing."}).
		Define(sdk.Key{Name: KeySlotDropOnStop, Type: sdk.Boolean, Default: "false", Importance: sdk.Low,
			Doc: "Drop the replication slot when the task stops (tests and demos: the next start cannot resume)."}).
		Define(sdk.Key{Name: KeyPublicationName, Type: sdk.String, Default: "sluice_publication", Importance: sdk.Medium, Validator: publicationNameValid,
			Doc: "Name of the publication pgoutput streams."}).
		Define(sdk.Key{Name: KeyPublicationMode, Type: sdk.String, Default: PublicationAllTables, Importance: sdk.Medium,
			Validator: sdk.OneOf(PublicationAllTables, PublicationFiltered, PublicationDisabled),
			Doc:       "all_tables: create the publication FOR ALL TABLES when missing (needs superuser); filtered: create it, or set its tables, to the captured tables; disabled: it must exist."}).
		Define(sdk.Key{Name: KeySnapshotMode, Type: sdk.String, Default: SnapshotInitial, Importance: sdk.Medium,
			Validator: sdk.OneOf(SnapshotInitial, SnapshotInitialOnly, SnapshotNoData, SnapshotNever, SnapshotWhenNeeded, SnapshotAlways),
			Doc:       "initial: snapshot the captured tables when no offset exists, then stream; initial_only: snapshot, then stop producing; no_data (or never): stream only; when_needed: also snapshot again when the slot or its WAL is gone; always: snapshot at every start."}).
		Define(sdk.Key{Name: KeySnapshotFetchSize, Type: sdk.Int, Default: "10240", Importance: sdk.Low, Validator: positive,
			Doc: "Rows per snapshot chunk: tables with a primary key are read in key order, this many rows per query."}).
		Define(sdk.Key{Name: KeySnapshotThreads, Type: sdk.Int, Default: "1", Importance: sdk.Low, Validator: sdk.Range(1, 16),
			Doc: "Tables a snapshot reads at once, each over its own connection sharing the one exported snapshot."}).
		Define(sdk.Key{Name: KeyTombstones, Type: sdk.Boolean, Default: "true", Importance: sdk.Medium,
			Doc: "Follow each delete event with a tombstone (same key, null value) so compacted topics drop the key."}).
		Define(sdk.Key{Name: KeyDecimalMode, Type: sdk.String, Default: DecimalPrecise, Importance: sdk.Medium,
			Validator: sdk.OneOf(DecimalPrecise, DecimalDouble, DecimalString),
			Doc:       "numeric columns as precise (Connect Decimal; numeric without a scale as io.debezium.data.VariableScaleDecimal), double or string."}).
		Define(sdk.Key{Name: KeyHeartbeatInterval, Type: sdk.Int, Default: "0", Importance: sdk.Low, Validator: nonNegative,
			Doc: "Milliseconds between heartbeat records (topic <topic.heartbeat.prefix>.<topic.prefix>) whose offsets let an idle connector's slot advance; 0 disables them."}).
		Define(sdk.Key{Name: KeyHeartbeatQuery, Type: sdk.String, Importance: sdk.Low,
			Doc: "SQL run against the captured database at every heartbeat, e.g. to write to a heartbeat table so the slot advances when only other databases change."}).
		Define(sdk.Key{Name: KeyHeartbeatPrefix, Type: sdk.String, Default: "__debezium-heartbeat", Importance: sdk.Low, Validator: sdk.NonEmpty,
			Doc: "Prefix of the heartbeat topic."}).
		Define(sdk.Key{Name: KeyPlaceholder, Type: sdk.String, Default: DefaultPlaceholder, Importance: sdk.Low,
			Doc: "Value given to unchanged TOASTed columns pgoutput does not send (string columns; bytes columns get its UTF-8 bytes; other types null)."}).
		Define(sdk.Key{Name: KeyMaxBatchSize, Type: sdk.Int, Default: "2048", Importance: sdk.Low, Validator: positive,
			Doc: "Most records one Read returns."}).
		Define(sdk.Key{Name: KeyMaxQueueSize, Type: sdk.Int, Default: "8192", Importance: sdk.Low, Validator: positive,
			Doc: "Records decoded ahead of Read; when full, decoding waits (the replication stream pushes back)."}).
		Define(sdk.Key{Name: KeyStatusInterval, Type: sdk.Int, Default: "10000", Importance: sdk.Low, Validator: positive,
			Doc: "Milliseconds between status updates to the server (confirmed flush position, and a request for its current WAL position while idle)."}).
		Define(sdk.Key{Name: KeyPollInterval, Type: sdk.Int, Default: "500", Importance: sdk.Low, Validator: positive,
			Doc: "Longest time Read waits for a record before it returns an empty batch."}).
		Define(sdk.Key{Name: KeySignalTable, Type: sdk.String, Importance: sdk.Low, Validator: signalTableValid,
			Doc: "schema.table of the signal table (columns id, type, data): an execute-snapshot row starts an incremental snapshot of its data-collections, stop-snapshot ends it. The connector writes its window markers there."}).
		Define(sdk.Key{Name: KeyIncrementalChunk, Type: sdk.Int, Default: "1024", Importance: sdk.Low, Validator: positive,
			Doc: "Rows per chunk of an incremental snapshot."}).
		Define(sdk.Key{Name: KeySignalChannels, Type: sdk.List, Default: ChannelSource, Importance: sdk.Low, Validator: channelsValid,
			Doc: "Where signals come from: source (rows inserted into signal.data.collection) and/or kafka (records on signal.kafka.topic whose key is topic.prefix). Both need signal.data.collection, where incremental snapshots write their window markers."}).
		Define(sdk.Key{Name: KeySignalKafkaTopic, Type: sdk.String, Importance: sdk.Low,
			Doc: "Topic of the kafka signal channel (partition 0 is read); <topic.prefix>-signal when empty. POST /connectors/{name}/signals produces there."}).
		Define(sdk.Key{Name: KeySignalKafkaServers, Type: sdk.List, Importance: sdk.Low,
			Doc: "host:port list of the Kafka cluster holding signal.kafka.topic; required when signal.enabled.channels includes kafka."}).
		Define(sdk.Key{Name: KeySignalKafkaGroup, Type: sdk.String, Default: "kafka-signal", Importance: sdk.Low,
			Doc: "Consumer group id the kafka signal channel's client names (Debezium's key). Nothing is committed to the group: the position of the last signal acted on travels in the connector's offsets (incremental_snapshot_signal_offset)."}).
		Define(sdk.Key{Name: KeySignalKafkaPoll, Type: sdk.Int, Default: "100", Importance: sdk.Low, Validator: positive,
			Doc: "Longest wait of one poll of the signal topic, in milliseconds."}).
		Define(sdk.Key{Name: KeyRetryDelayMax, Type: sdk.Int, Default: "10000", Importance: sdk.Low, Validator: positive,
			Doc: "Longest wait between attempts to reconnect after the server went away (the wait doubles from 100 ms)."})
}

func channelsValid(v string) error {
	for _, c := range splitList(v) {
		if c != ChannelSource && c != ChannelKafka {
			return fmt.Errorf("unknown signal channel %q: use %s and/or %s", c, ChannelSource, ChannelKafka)
		}
	}
	return nil
}

// crossProblems are the checks that involve several keys, by property.
func crossProblems(def *sdk.ConfigDef, cfg map[string]string) map[string][]string {
	val := func(k string) string { return strings.TrimSpace(def.Value(cfg, k)) }
	if !slices.Contains(splitList(val(KeySignalChannels)), ChannelKafka) {
		return nil
	}
	p := map[string][]string{}
	if len(splitList(val(KeySignalKafkaServers))) == 0 {
		p[KeySignalKafkaServers] = append(p[KeySignalKafkaServers],
			KeySignalKafkaServers+": required when "+KeySignalChannels+" includes "+ChannelKafka)
	}
	if val(KeySignalTable) == "" {
		p[KeySignalTable] = append(p[KeySignalTable],
			KeySignalTable+": required when "+KeySignalChannels+" includes "+ChannelKafka+" (incremental snapshots write their window markers there)")
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

func signalTableValid(v string) error {
	if s, t, ok := strings.Cut(strings.TrimSpace(v), "."); !ok || s == "" || t == "" {
		return fmt.Errorf("want schema.table")
	}
	return nil
}

func topicPrefixValid(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("must not be empty")
	}
	for _, r := range v {
		if !(r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("only letters, digits, '.', '_' and '-' are allowed in topic names")
		}
	}
	return nil
}
