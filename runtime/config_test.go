package runtime

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseWorkerConfig(t *testing.T) {
	c, warnings, err := ParseWorkerConfig(map[string]string{
		"bootstrap.servers":            "a:1, b:2",
		"key.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable": "false",
		"value.converter":              "org.apache.kafka.connect.storage.StringConverter",
		"offset.storage.file.filename": "/tmp/x",
		"producer.linger.ms":           "10",
		"consumer.max.poll.records":    "50",
		"consumer.some.unknown":        "1",
		"group.id":                     "g",
		"made.up":                      "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.BootstrapServers, []string{"a:1", "b:2"}) || c.KeyConverterProps["schemas.enable"] != "false" ||
		c.OffsetFlushInterval != time.Minute || c.ShutdownTimeout != 5*time.Second || !c.TopicCreationEnable ||
		c.RestartBackoffInitial != time.Second || c.RestartBackoffMax != time.Minute || c.Producer["linger.ms"] != "10" {
		t.Fatalf("config %+v", c)
	}
	want := []string{
		"worker property group.id is ignored in standalone mode",
		"unknown worker property made.up is ignored",
		"client property consumer.some.unknown is not supported and is ignored",
	}
	for _, w := range want {
		if !slices.Contains(warnings, w) {
			t.Errorf("warnings %q lack %q", warnings, w)
		}
	}
}

func TestWorkerConfigNamesEveryBadProperty(t *testing.T) {
	_, _, err := ParseWorkerConfig(map[string]string{
		"value.converter":                   "x",
		"offset.flush.interval.ms":          "soon",
		"topic.creation.enable":             "yes",
		"task.shutdown.graceful.timeout.ms": "-1",
		"producer.acks":                     "1",
		"consumer.auto.offset.reset":        "middle",
	})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := []string{"consumer.auto.offset.reset", "key.converter", "offset.flush.interval.ms",
		"offset.storage.file.filename", "producer.acks", "task.shutdown.graceful.timeout.ms", "topic.creation.enable"}
	if got := ce.Properties(); !slices.Equal(got, want) {
		t.Fatalf("bad properties %q, want %q\n%v", got, want, err)
	}
}

func TestConnectorConfigNamesEveryBadProperty(t *testing.T) {
	wc, _, err := ParseWorkerConfig(map[string]string{"key.converter": "string", "value.converter": "json", "offset.storage.file.filename": filepath.Join(t.TempDir(), "o.json")})
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorker(Options{Config: wc, Plugins: NewInProcess(newCountingSource(), newCollectingSink())})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		props map[string]string
		want  []string
	}{
		{"unknown class", map[string]string{"name": "a", "connector.class": "nope"}, []string{"connector.class"}},
		{"missing name and class", map[string]string{}, []string{"connector.class", "name"}},
		{"source", map[string]string{
			"name": "a/b", "connector.class": "counting-source", "tasks.max": "0", "count": "-7", "batch": "x",
			"topics": "t", "transforms": "mask",
			"topic.creation.default.partitions": "0",
			"topic.creation.groups":             "g, default, g",
			"topic.creation.g.exclude":          "(",
			"topic.creation.default.include":    "x",
			"key.converter":                     "",
		}, []string{"batch", "count", "name", "source.topics", "tasks.max", "topic.creation.default.include",
			"topic.creation.default.partitions",
			"topic.creation.g.exclude", "topic.creation.g.include", "topic.creation.groups", "topics", "transforms.mask.type"}},
		{"sink both topics", map[string]string{"name": "s", "connector.class": "collecting-sink", "topics": "a", "topics.regex": "b"},
			[]string{"topics", "topics.regex"}},
		{"sink no topics", map[string]string{"name": "s", "connector.class": "collecting-sink"}, []string{"topics"}},
		{"bad converter", map[string]string{"name": "s", "connector.class": "collecting-sink", "topics": "a", "value.converter": "nope"},
			[]string{"value.converter"}},
		{"sink bad regex", map[string]string{"name": "s", "connector.class": "collecting-sink", "topics.regex": "("}, []string{"topics.regex"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.ValidateConnector(context.Background(), tt.props)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v", err)
			}
			if got := ce.Properties(); !slices.Equal(got, tt.want) {
				t.Fatalf("bad properties %q, want %q\n%v", got, tt.want, err)
			}
			for _, p := range tt.want {
				if !strings.Contains(err.Error(), "\n  "+p+": ") {
					t.Errorf("message does not name %s:\n%v", p, err)
				}
			}
		})
	}
}
