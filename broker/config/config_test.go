package config

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestDefaultsPassOwnValidators(t *testing.T) {
	for _, defs := range [][]Def{TopicDefs(), BrokerDefs()} {
		if !sort.SliceIsSorted(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name }) {
			t.Fatal("defs not sorted")
		}
		for _, d := range defs {
			if d.Doc == "" || d.Type == 0 || d.Validate == nil {
				t.Errorf("%s: incomplete definition", d.Name)
			}
			if d.HasDefault {
				if err := d.Validate(d.Default); err != nil {
					t.Errorf("%s: default %q invalid: %v", d.Name, d.Default, err)
				}
			}
		}
	}
}

func TestEveryTopicSynonymIsABrokerConfig(t *testing.T) {
	for _, d := range TopicDefs() {
		for _, s := range d.BrokerSynonyms {
			if _, ok := BrokerDef(s); !ok {
				t.Errorf("%s: synonym %s is not a broker config", d.Name, s)
			}
		}
	}
}

func TestValidateTopicConfigs(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want []string // substrings, one per expected problem
		is   error
	}{
		{"empty", nil, nil, nil},
		{"valid", map[string]string{
			"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "compact, delete",
			"min.cleanable.dirty.ratio": "1", "message.timestamp.type": "LogAppendTime",
			"compression.type": "zstd", "segment.bytes": "14", "preallocate": "TRUE",
			"sluice.flush.on.ack": "true", "leader.replication.throttled.replicas": "0:1,1:2",
		}, nil, nil},
		{"not a number", map[string]string{"retention.ms": "abc"},
			[]string{`invalid value "abc" for configuration "retention.ms": not a number`}, ErrInvalidValue},
		{"below -1", map[string]string{"retention.ms": "-2"}, []string{`"retention.ms": value must be at least -1`}, ErrInvalidValue},
		{"unknown", map[string]string{"retnetion.ms": "1"}, []string{`unknown topic config "retnetion.ms"`}, ErrUnknownConfig},
		{"ratio", map[string]string{"min.cleanable.dirty.ratio": "1.5"}, []string{`"min.cleanable.dirty.ratio": value must be in [0, 1]`}, ErrInvalidValue},
		{"policy", map[string]string{"cleanup.policy": "delete,forever"}, []string{`"forever" is not one of delete, compact`}, ErrInvalidValue},
		{"empty policy", map[string]string{"cleanup.policy": ""}, []string{`"cleanup.policy": must list at least one`}, ErrInvalidValue},
		{"timestamp", map[string]string{"message.timestamp.type": "createtime"}, []string{"must be one of CreateTime, LogAppendTime"}, ErrInvalidValue},
		{"compression", map[string]string{"compression.type": "brotli"}, []string{"must be one of uncompressed, zstd, lz4, snappy, gzip, producer"}, ErrInvalidValue},
		{"segment", map[string]string{"segment.bytes": "13"}, []string{`"segment.bytes": value must be at least 14`}, ErrInvalidValue},
		{"int overflow", map[string]string{"segment.bytes": "4294967296"}, []string{`"segment.bytes": value must be at least 14`}, ErrInvalidValue},
		{"bool", map[string]string{"preallocate": "yes"}, []string{`"preallocate": not a boolean`}, ErrInvalidValue},
		{"throttled", map[string]string{"follower.replication.throttled.replicas": "x"}, []string{`"x" is not partitionId:brokerId`}, ErrInvalidValue},
		{"broker name on topic", map[string]string{"log.retention.ms": "1"}, []string{`unknown topic config "log.retention.ms"`}, ErrUnknownConfig},
		{"all reported", map[string]string{"retention.ms": "x", "nope": "1", "min.insync.replicas": "0"},
			[]string{`"min.insync.replicas": value must be at least 1`, `unknown topic config "nope"`, `"retention.ms": not a number`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTopicConfigs(tt.in)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("expected an error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error does not wrap %v", tt.is)
			}
		})
	}
}

func TestValidateBrokerConfigs(t *testing.T) {
	if err := ValidateBrokerConfigs(map[string]string{"log.retention.hours": "24", "num.partitions": "3", "broker.id": "1", "message.max.bytes": "2000000"}); err != nil {
		t.Fatal(err)
	}
	if err := ValidateBrokerConfigs(map[string]string{"num.partitions": "0"}); err == nil || !strings.Contains(err.Error(), `"num.partitions": value must be at least 1`) {
		t.Fatalf("got %v", err)
	}
	if err := ValidateBrokerConfigs(map[string]string{"retention.ms": "1"}); !errors.Is(err, ErrUnknownConfig) {
		t.Fatalf("got %v", err)
	}
	if err := ValidateDynamicBrokerConfigs(map[string]string{"node.id": "2"}); !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), `"node.id"`) {
		t.Fatalf("got %v", err)
	}
	if err := ValidateDynamicBrokerConfigs(map[string]string{"log.retention.ms": "1"}); err != nil {
		t.Fatal(err)
	}
}

func TestResolveTopicPrecedence(t *testing.T) {
	tests := []struct {
		name         string
		topic        map[string]string
		broker       map[string]string
		config       string
		wantValue    string
		wantSource   kmsg.ConfigSource
		wantSynonyms []string // name=value@source
	}{
		{"default", nil, nil, "retention.ms", "604800000", kmsg.ConfigSourceDefaultConfig,
			[]string{"log.retention.hours=168@5"}},
		{"hours map to ms", nil, map[string]string{"log.retention.hours": "1"}, "retention.ms", "3600000", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"log.retention.hours=1@2", "log.retention.hours=168@5"}},
		{"minutes beat hours", nil, map[string]string{"log.retention.hours": "1", "log.retention.minutes": "2"}, "retention.ms", "120000", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"log.retention.minutes=2@2", "log.retention.hours=1@2", "log.retention.hours=168@5"}},
		{"ms beats minutes", nil, map[string]string{"log.retention.ms": "5", "log.retention.minutes": "2"}, "retention.ms", "5", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"log.retention.ms=5@2", "log.retention.minutes=2@2", "log.retention.hours=168@5"}},
		{"unlimited hours", nil, map[string]string{"log.retention.hours": "-1"}, "retention.ms", "-1", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"log.retention.hours=-1@2", "log.retention.hours=168@5"}},
		{"topic beats broker", map[string]string{"retention.ms": "7"}, map[string]string{"log.retention.ms": "5"}, "retention.ms", "7", kmsg.ConfigSourceDynamicTopicConfig,
			[]string{"retention.ms=7@1", "log.retention.ms=5@2", "log.retention.hours=168@5"}},
		{"roll hours", nil, map[string]string{"log.roll.hours": "2"}, "segment.ms", "7200000", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"log.roll.hours=2@2", "log.roll.hours=168@5"}},
		{"same-name synonym", nil, map[string]string{"min.insync.replicas": "2"}, "min.insync.replicas", "2", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"min.insync.replicas=2@2", "min.insync.replicas=1@5"}},
		{"renamed synonym", nil, map[string]string{"message.max.bytes": "100"}, "max.message.bytes", "100", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"message.max.bytes=100@2", "message.max.bytes=1048588@5"}},
		{"flush.ms synonym without default", nil, nil, "flush.ms", maxLong, kmsg.ConfigSourceDefaultConfig,
			[]string{"flush.ms=" + maxLong + "@5"}},
		{"sluice", nil, map[string]string{"sluice.log.flush.on.ack": "true"}, "sluice.flush.on.ack", "true", kmsg.ConfigSourceDynamicBrokerConfig,
			[]string{"sluice.log.flush.on.ack=true@2", "sluice.log.flush.on.ack=false@5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Resolved
			for _, r := range ResolveTopic(tt.topic, tt.broker) {
				if r.Def.Name == tt.config {
					got = r
				}
			}
			if got.Value != tt.wantValue || got.Source != tt.wantSource {
				t.Fatalf("got %q@%d, want %q@%d", got.Value, got.Source, tt.wantValue, tt.wantSource)
			}
			var syns []string
			for _, s := range got.Synonyms {
				syns = append(syns, s.Name+"="+s.Value+"@"+string(rune('0'+s.Source)))
			}
			if strings.Join(syns, " ") != strings.Join(tt.wantSynonyms, " ") {
				t.Errorf("synonyms %v, want %v", syns, tt.wantSynonyms)
			}
			if e := Effective(tt.topic, tt.broker, tt.config); e != tt.wantValue {
				t.Errorf("Effective = %q, want %q", e, tt.wantValue)
			}
		})
	}
}

func TestResolveTopicLayersStaticBehindDynamic(t *testing.T) {
	r, _ := ResolveTopicConfig("retention.ms", nil,
		Layer{kmsg.ConfigSourceDynamicBrokerConfig, map[string]string{"log.retention.hours": "2"}},
		Layer{kmsg.ConfigSourceStaticBrokerConfig, map[string]string{"log.retention.hours": "3", "log.retention.ms": "9"}})
	// Kafka prefers the most specific name whatever its source.
	if r.Value != "9" || r.Source != kmsg.ConfigSourceStaticBrokerConfig || len(r.Synonyms) != 4 {
		t.Fatalf("got %+v", r)
	}
}

func TestResolveBroker(t *testing.T) {
	got := map[string]Resolved{}
	all := ResolveBroker(map[string]string{"num.partitions": "3"})
	for _, r := range all {
		got[r.Def.Name] = r
	}
	if len(all) != len(BrokerDefs()) {
		t.Fatal("not every broker config resolved")
	}
	if r := got["num.partitions"]; r.Value != "3" || r.Source != kmsg.ConfigSourceDynamicBrokerConfig {
		t.Errorf("num.partitions = %+v", r)
	}
	if r := got["auto.create.topics.enable"]; r.Value != "false" || r.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("auto.create.topics.enable = %+v", r)
	}
	if r := got["log.retention.ms"]; !r.Null {
		t.Errorf("log.retention.ms should be null, got %+v", r)
	}
	if !got["broker.id"].Def.ReadOnly {
		t.Error("broker.id must be read-only")
	}
}

func TestTypedAccessors(t *testing.T) {
	b := map[string]string{"log.segment.bytes": "1024", "log.cleanup.policy": "compact,delete"}
	if v := EffectiveInt64(nil, b, "segment.bytes"); v != 1024 {
		t.Errorf("segment.bytes = %d", v)
	}
	if v := EffectiveList(nil, b, "cleanup.policy"); len(v) != 2 || v[0] != "compact" {
		t.Errorf("cleanup.policy = %v", v)
	}
	if v := EffectiveFloat64(nil, nil, "min.cleanable.dirty.ratio"); v != 0.5 {
		t.Errorf("ratio = %v", v)
	}
	if EffectiveBool(map[string]string{"sluice.flush.on.ack": "garbage"}, nil, "sluice.flush.on.ack") {
		t.Error("invalid stored value must fall back to the default")
	}
	if BrokerInt64(nil, "offsets.topic.num.partitions") != 50 || BrokerBool(nil, "auto.create.topics.enable") {
		t.Error("broker defaults")
	}
	if Effective(nil, nil, "no.such") != "" {
		t.Error("unknown config must resolve to empty")
	}
}

func TestReturnedDefsAreCopies(t *testing.T) {
	d, _ := TopicDef("retention.ms")
	d.BrokerSynonyms[0] = "mutated"
	if d2, _ := TopicDef("retention.ms"); d2.BrokerSynonyms[0] != "log.retention.ms" {
		t.Fatal("TopicDef leaked internal slice")
	}
}
