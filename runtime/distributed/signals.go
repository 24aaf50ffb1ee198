package distributed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/runtime"
)

// Signal implements api.Herder (POST /connectors/{name}/signals): any
// worker produces the signal, from its replica of the configs topic. The
// record goes to partition 0 of the connector's signal topic (created
// with one partition and the broker's default, delete, cleanup policy
// when missing: compaction would keep one signal per connector) on the
// cluster named by the connector's signal.kafka.bootstrap.servers, this
// worker's own cluster when that is empty, with this worker's client
// options (TLS, SASL). The connector's ${…} placeholders are resolved
// first, as a task's would be.
func (h *Herder) Signal(ctx context.Context, name string, value []byte) (api.SignalResult, error) {
	s, err := h.snapshot(ctx)
	if err != nil {
		return api.SignalResult{}, err
	}
	props, ok := s.Connectors[name]
	if !ok {
		return api.SignalResult{}, notFound(name)
	}
	if _, _, err := api.SignalTarget(name, props); err != nil {
		return api.SignalResult{}, err
	}
	resolved, err := runtime.ResolveConfig(props)
	if err != nil {
		return api.SignalResult{}, api.Errorf(api.ErrBadRequest, "Connector %s: %v", name, err)
	}
	topic, key, err := api.SignalTarget(name, resolved)
	if err != nil {
		return api.SignalResult{}, err
	}
	var seeds []string
	for _, b := range strings.Split(resolved[api.SignalServersConfig], ",") {
		if b = strings.TrimSpace(b); b != "" {
			seeds = append(seeds, b)
		}
	}
	if len(seeds) == 0 {
		seeds = h.cfg.Worker.BootstrapServers
	}
	opts := append([]kgo.Opt{kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner())}, h.copts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return api.SignalResult{}, fmt.Errorf("signal %s: client: %w", name, err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, topic); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return api.SignalResult{}, fmt.Errorf("signal %s: create topic %s: %w", name, topic, err)
	}
	rec := &kgo.Record{Topic: topic, Partition: 0, Key: []byte(key), Value: value}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return api.SignalResult{}, fmt.Errorf("signal %s: produce to %s: %w", name, topic, err)
	}
	return api.SignalResult{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset}, nil
}
