package postgres

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// config is a validated configuration.
type config struct {
	host, user, password, dbname, sslmode string
	port                                  int
	prefix                                string
	filter                                filter
	slot, publication, publicationMode    string
	dropSlotOnStop                        bool
	snapshotMode                          string
	fetchSize, snapshotThreads            int
	tombstones                            bool
	decimalMode                           string
	heartbeat                             time.Duration
	heartbeatQuery, heartbeatTopic        string
	placeholder                           string
	batchSize, queueSize                  int
	statusInterval, pollInterval          time.Duration
	retryDelayMax                         time.Duration
	signalTable                           string // "schema.table", "" none
	incrementalChunk                      int
	sourceSignals                         bool               // signal.enabled.channels includes source
	kafkaSignals                          *kafkaSignalConfig // nil: the kafka channel is off
}

// kafkaSignalConfig is the kafka signal channel's part of the config.
type kafkaSignalConfig struct {
	topic   string
	servers []string
	group   string
	poll    time.Duration
}

func parseConfig(cfg map[string]string) (*config, error) {
	def := configDef()
	p := def.Validate(cfg)
	if len(p) == 0 {
		p = crossProblems(def, cfg)
	}
	if len(p) > 0 {
		var msgs []string
		for _, k := range slices.Sorted(maps.Keys(p)) {
			msgs = append(msgs, p[k]...)
		}
		return nil, fmt.Errorf("invalid configuration: %s: %w", strings.Join(msgs, "; "), sdk.ErrFatal)
	}
	val := func(k string) string { return strings.TrimSpace(def.Value(cfg, k)) }
	num := func(k string) int { n, _ := strconv.Atoi(val(k)); return n }
	ms := func(k string) time.Duration { return time.Duration(num(k)) * time.Millisecond }
	c := &config{
		host: val(KeyHostname), port: num(KeyPort), user: val(KeyUser), password: def.Value(cfg, KeyPassword),
		dbname: val(KeyDBName), sslmode: val(KeySSLMode), prefix: val(KeyTopicPrefix),
		slot: val(KeySlotName), publication: val(KeyPublicationName), publicationMode: val(KeyPublicationMode),
		dropSlotOnStop: strings.EqualFold(val(KeySlotDropOnStop), "true"),
		snapshotMode:   val(KeySnapshotMode), fetchSize: num(KeySnapshotFetchSize), snapshotThreads: num(KeySnapshotThreads),
		tombstones:  strings.EqualFold(val(KeyTombstones), "true"),
		decimalMode: val(KeyDecimalMode), heartbeat: ms(KeyHeartbeatInterval),
		heartbeatQuery: val(KeyHeartbeatQuery), placeholder: def.Value(cfg, KeyPlaceholder),
		batchSize: num(KeyMaxBatchSize), queueSize: num(KeyMaxQueueSize),
		statusInterval: ms(KeyStatusInterval), pollInterval: ms(KeyPollInterval),
		retryDelayMax: ms(KeyRetryDelayMax),
		signalTable:   val(KeySignalTable), incrementalChunk: num(KeyIncrementalChunk),
	}
	c.heartbeatTopic = val(KeyHeartbeatPrefix) + "." + c.prefix
	channels := splitList(val(KeySignalChannels))
	c.sourceSignals = slices.Contains(channels, ChannelSource)
	if slices.Contains(channels, ChannelKafka) {
		c.kafkaSignals = &kafkaSignalConfig{topic: val(KeySignalKafkaTopic), servers: splitList(val(KeySignalKafkaServers)),
			group: val(KeySignalKafkaGroup), poll: ms(KeySignalKafkaPoll)}
		if c.kafkaSignals.topic == "" {
			c.kafkaSignals.topic = c.prefix + "-signal"
		}
	}
	if c.snapshotMode == SnapshotNever {
		c.snapshotMode = SnapshotNoData
	}
	var err error
	if c.filter, err = newFilter(cfg); err != nil {
		return nil, fmt.Errorf("invalid configuration: %v: %w", err, sdk.ErrFatal)
	}
	if c.fetchSize > math.MaxInt32 {
		c.fetchSize = math.MaxInt32
	}
	return c, nil
}

// splitList splits a LIST value at commas, trimming blanks.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
