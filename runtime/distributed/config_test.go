package distributed

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
)

func baseProps(kv ...string) map[string]string {
	p := map[string]string{
		"bootstrap.servers": "127.0.0.1:9092", "group.id": "connect-cluster",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func TestParseConfigDefaults(t *testing.T) {
	c, warnings, err := ParseConfig(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if c.ConfigTopic != cluster.DefaultConfigTopic || c.OffsetPartitions != cluster.OffsetPartitions || c.MaxDelay != cluster.DefaultMaxDelay ||
		c.URL != "http://127.0.0.1:8083" || c.WorkerID != "127.0.0.1:8083" || c.Heartbeat != 3*time.Second || c.ConfigReplication != -1 {
		t.Fatalf("defaults: %+v", c)
	}
	c, _, err = ParseConfig(baseProps("rest.advertised.host.name", "w1.internal", "rest.advertised.port", "9000", "listeners", "http://0.0.0.0:8083"))
	if err != nil || c.URL != "http://w1.internal:9000" {
		t.Fatalf("advertised: %+v %v", c, err)
	}
}

func TestParseConfigErrorsNameProperties(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		bad   string
	}{
		{func() map[string]string { p := baseProps(); delete(p, "group.id"); return p }(), "group.id"},
		{baseProps("scheduled.rebalance.max.delay.ms", "-1"), "scheduled.rebalance.max.delay.ms"},
		{baseProps("heartbeat.interval.ms", "20000"), "heartbeat.interval.ms"},
		{baseProps("config.storage.replication.factor", "0"), "config.storage.replication.factor"},
		{baseProps("offset.storage.partitions", "x"), "offset.storage.partitions"},
		{baseProps("listeners", "ftp://h:1"), "listeners"},
		{baseProps("listeners", "https://h:1"), "rest.tls.cert.file"},
		{baseProps("rest.tls.cert.file", "c.pem", "rest.tls.key.file", "k.pem"), "listeners"},
		{func() map[string]string { p := baseProps(); delete(p, "value.converter"); return p }(), "value.converter"},
	} {
		_, _, err := ParseConfig(tc.props)
		var ce *runtime.ConfigError
		if !errors.As(err, &ce) || !slices.Contains(ce.Properties(), tc.bad) {
			t.Errorf("%s: got %v", tc.bad, err)
		}
	}
}
