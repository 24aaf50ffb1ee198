package runtime

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A clientOverride turns a producer.* or consumer.* property into kgo
// options; a nil option means the runtime reads the value itself.
type clientOverride func(v string) (kgo.Opt, error)

func msOpt[O kgo.Opt](f func(time.Duration) O) clientOverride {
	return func(v string) (kgo.Opt, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("not a non-negative number of milliseconds")
		}
		return f(time.Duration(n) * time.Millisecond), nil
	}
}

func int32Opt[O kgo.Opt](f func(int32) O) clientOverride {
	return func(v string) (kgo.Opt, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("not a positive 32-bit number")
		}
		return f(int32(n)), nil
	}
}

func onlyValues(values ...string) clientOverride {
	return func(v string) (kgo.Opt, error) {
		if slices.Contains(values, strings.ToLower(strings.TrimSpace(v))) {
			return nil, nil
		}
		return nil, fmt.Errorf("the runtime requires %s", values[0])
	}
}

// producerOverrides are the producer.* properties Sluice maps onto kgo.
// Source tasks always produce idempotently with acks=all.
var producerOverrides = map[string]clientOverride{
	"client.id":          func(v string) (kgo.Opt, error) { return kgo.ClientID(v), nil },
	"linger.ms":          msOpt(kgo.ProducerLinger),
	"batch.size":         int32Opt(kgo.ProducerBatchMaxBytes),
	"request.timeout.ms": msOpt(kgo.ProduceRequestTimeout),
	"delivery.timeout.ms": msOpt(func(d time.Duration) kgo.Opt {
		return kgo.RecordDeliveryTimeout(d)
	}),
	"compression.type": func(v string) (kgo.Opt, error) {
		codecs := map[string]kgo.CompressionCodec{
			"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
			"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
		}
		c, ok := codecs[strings.ToLower(strings.TrimSpace(v))]
		if !ok {
			return nil, fmt.Errorf("must be one of none, gzip, snappy, lz4, zstd")
		}
		return kgo.ProducerBatchCompression(c), nil
	},
	"acks":                                  onlyValues("all", "-1"),
	"enable.idempotence":                    onlyValues("true"),
	"max.in.flight.requests.per.connection": func(string) (kgo.Opt, error) { return nil, nil },
}

// consumerOverrides are the consumer.* properties Sluice maps onto kgo.
var consumerOverrides = map[string]clientOverride{
	"client.id":                 func(v string) (kgo.Opt, error) { return kgo.ClientID(v), nil },
	"max.poll.records":          int32Opt(func(int32) kgo.Opt { return nil }), // read by the sink loop
	"fetch.max.bytes":           int32Opt(kgo.FetchMaxBytes),
	"fetch.min.bytes":           int32Opt(kgo.FetchMinBytes),
	"max.partition.fetch.bytes": int32Opt(kgo.FetchMaxPartitionBytes),
	"fetch.max.wait.ms":         msOpt(kgo.FetchMaxWait),
	"session.timeout.ms":        msOpt(kgo.SessionTimeout),
	"heartbeat.interval.ms":     msOpt(kgo.HeartbeatInterval),
	"max.poll.interval.ms":      msOpt(kgo.RebalanceTimeout),
	"auto.offset.reset": func(v string) (kgo.Opt, error) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "earliest":
			return kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), nil
		case "latest":
			return kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()), nil
		case "none":
			return kgo.ConsumeResetOffset(kgo.NoResetOffset()), nil
		}
		return nil, fmt.Errorf("must be one of earliest, latest, none")
	},
	"isolation.level": func(v string) (kgo.Opt, error) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "read_committed":
			return kgo.FetchIsolationLevel(kgo.ReadCommitted()), nil
		case "read_uncommitted":
			return kgo.FetchIsolationLevel(kgo.ReadUncommitted()), nil
		}
		return nil, fmt.Errorf("must be read_committed or read_uncommitted")
	},
	"partition.assignment.strategy": func(v string) (kgo.Opt, error) {
		var bs []kgo.GroupBalancer
		for _, s := range splitList(v) {
			name := strings.ToLower(s[strings.LastIndex(s, ".")+1:])
			switch name {
			case "cooperative-sticky", "cooperativestickyassignor":
				bs = append(bs, kgo.CooperativeStickyBalancer())
			case "sticky", "stickyassignor":
				bs = append(bs, kgo.StickyBalancer())
			case "range", "rangeassignor":
				bs = append(bs, kgo.RangeBalancer())
			case "roundrobin", "roundrobinassignor":
				bs = append(bs, kgo.RoundRobinBalancer())
			default:
				return nil, fmt.Errorf("unknown assignor %q (cooperative-sticky, sticky, range, roundrobin)", s)
			}
		}
		if len(bs) == 0 {
			return nil, fmt.Errorf("must name at least one assignor")
		}
		return kgo.Balancers(bs...), nil
	},
}

// checkClientOverrides adds a problem per invalid override and returns a
// warning per property Sluice does not map.
func checkClientOverrides(p problems, prefix string, props map[string]string, known map[string]clientOverride) []string {
	var warnings []string
	for _, k := range slices.Sorted(maps.Keys(props)) {
		f, ok := known[k]
		if !ok {
			warnings = append(warnings, fmt.Sprintf("client property %s%s is not supported and is ignored", prefix, k))
			continue
		}
		if _, err := f(props[k]); err != nil {
			p.add(prefix+k, "Invalid value %s: %v", props[k], err)
		}
	}
	return warnings
}

// clientOpts returns the kgo options of valid overrides.
func clientOpts(props map[string]string, known map[string]clientOverride) []kgo.Opt {
	var opts []kgo.Opt
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if f, ok := known[k]; ok {
			if o, err := f(props[k]); err == nil && o != nil {
				opts = append(opts, o)
			}
		}
	}
	return opts
}
