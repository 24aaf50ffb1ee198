package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// POST /connectors/{name}/signals is Sluice's own route (Kafka Connect has
// none): it sends a Debezium signal to a connector through Debezium's
// Kafka signal channel. The worker produces the body, as it is, to the
// connector's signal topic with the connector's topic.prefix as the key,
// which is what a Debezium connector with signal.enabled.channels
// including kafka consumes (docs/adr/0017-cdc-signals.md).

// Connector config keys of Debezium's Kafka signal channel.
const (
	SignalChannelsConfig = "signal.enabled.channels"
	SignalTopicConfig    = "signal.kafka.topic"
	SignalServersConfig  = "signal.kafka.bootstrap.servers"
	TopicPrefixConfig    = "topic.prefix"
)

// Signal types the route accepts: the ones that start and stop
// incremental snapshots.
var signalTypes = []string{"execute-snapshot", "stop-snapshot"}

// SignalResult is the answer of POST /connectors/{name}/signals: where
// the signal record was written.
type SignalResult struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// SignalTarget returns the topic and key a connector with config reads
// its Kafka signals from, or ErrBadRequest when the connector does not
// enable the kafka channel.
func SignalTarget(name string, config map[string]string) (topic, key string, err error) {
	var channels []string
	for _, c := range strings.Split(config[SignalChannelsConfig], ",") {
		channels = append(channels, strings.TrimSpace(c))
	}
	if !slices.Contains(channels, "kafka") {
		return "", "", Errorf(ErrBadRequest, "Connector %s does not read signals from Kafka: add kafka to %s (and set %s)",
			name, SignalChannelsConfig, SignalServersConfig)
	}
	key = strings.TrimSpace(config[TopicPrefixConfig])
	if key == "" {
		return "", "", Errorf(ErrBadRequest, "Connector %s has no %s, the key of its signals", name, TopicPrefixConfig)
	}
	topic = strings.TrimSpace(config[SignalTopicConfig])
	if topic == "" {
		topic = key + "-signal"
	}
	return topic, key, nil
}

// ParseSignal checks that body is a signal, {"type": "execute-snapshot",
// "data": {"data-collections": ["schema.table", …], …}} or a stop-snapshot,
// and returns it compacted: the value of the signal record.
func ParseSignal(body []byte) ([]byte, error) {
	var s struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, badRequest("Request body is not a signal: %v", err)
	}
	if !slices.Contains(signalTypes, s.Type) {
		return nil, badRequest("Signal type must be one of %s, not %q", strings.Join(signalTypes, ", "), s.Type)
	}
	var d struct {
		Collections []string `json:"data-collections"`
	}
	if len(s.Data) > 0 && !bytes.Equal(s.Data, []byte("null")) {
		if err := json.Unmarshal(s.Data, &d); err != nil {
			return nil, badRequest("Signal data must be an object with data-collections, a list of schema.table names: %v", err)
		}
	}
	if s.Type == "execute-snapshot" && len(d.Collections) == 0 {
		return nil, badRequest("An execute-snapshot signal needs data.data-collections, a list of schema.table names")
	}
	var out bytes.Buffer
	if err := json.Compact(&out, body); err != nil {
		return nil, badRequest("Request body is not a signal: %v", err)
	}
	return out.Bytes(), nil
}

func (s *Server) sendSignal(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	value, err := ParseSignal(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		res, err := s.opts.Herder.Signal(ctx, name, value)
		return answer{http.StatusAccepted, res}, err
	})
}
