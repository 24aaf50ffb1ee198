package sarama

import (
	"errors"
	"fmt"
	"testing"

	"github.com/IBM/sarama"
)

// retentionMs is set at creation and must come back from DescribeConfigs.
const retentionMs = "3600000"

// createAndDescribeTopic creates the topic with ClusterAdmin and checks
// that DescribeCluster, DescribeTopics and DescribeConfig agree with it.
func (s *suite) createAndDescribeTopic(t *testing.T) {
	retention := retentionMs
	err := s.admin.CreateTopic(s.topic, &sarama.TopicDetail{
		NumPartitions:     partitions,
		ReplicationFactor: 1,
		ConfigEntries:     map[string]*string{"retention.ms": &retention},
	}, false)
	if err != nil {
		t.Fatalf("CreateTopic %s: %v", s.topic, err)
	}
	if err := s.admin.CreateTopic(s.topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1}, false); !isKError(err, sarama.ErrTopicAlreadyExists) {
		t.Errorf("CreateTopic %s again: got %v, want %v", s.topic, err, sarama.ErrTopicAlreadyExists)
	}

	brokers, controller, err := s.admin.DescribeCluster()
	if err != nil {
		t.Fatalf("DescribeCluster: %v", err)
	}
	if len(brokers) != 1 || brokers[0].Addr() != s.addr {
		t.Fatalf("DescribeCluster: brokers %v, want one at %s", brokerAddrs(brokers), s.addr)
	}
	id := brokers[0].ID()
	if controller != id {
		t.Errorf("DescribeCluster: controller %d, want the only broker %d", controller, id)
	}

	md, err := s.admin.DescribeTopics([]string{s.topic})
	if err != nil {
		t.Fatalf("DescribeTopics: %v", err)
	}
	if len(md) != 1 || md[0].Name != s.topic || md[0].Err != sarama.ErrNoError {
		t.Fatalf("DescribeTopics: %+v", md)
	}
	if len(md[0].Partitions) != partitions {
		t.Fatalf("DescribeTopics: %d partitions, want %d", len(md[0].Partitions), partitions)
	}
	for _, p := range md[0].Partitions {
		if p.Err != sarama.ErrNoError || p.Leader != id || len(p.Replicas) != 1 || len(p.Isr) != 1 {
			t.Errorf("DescribeTopics: partition %d: err %v leader %d replicas %v isr %v, want leader/replica/isr %d",
				p.ID, p.Err, p.Leader, p.Replicas, p.Isr, id)
		}
	}

	topics, err := s.admin.ListTopics()
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	if d, ok := topics[s.topic]; !ok || d.NumPartitions != partitions {
		t.Errorf("ListTopics: %s = %+v (present %v), want %d partitions", s.topic, d, ok, partitions)
	}

	// The same resource twice in one request is ambiguous, so the filtered
	// topic description goes in a second request.
	results, err := s.admin.DescribeConfigs([]*sarama.ConfigResource{
		{Type: sarama.TopicResource, Name: s.topic},
		{Type: sarama.BrokerResource, Name: fmt.Sprint(id)},
	}, sarama.DescribeConfigsOptions{IncludeSynonyms: true})
	if err != nil {
		t.Fatalf("DescribeConfigs: %v", err)
	}
	only, err := s.admin.DescribeConfigs([]*sarama.ConfigResource{
		{Type: sarama.TopicResource, Name: s.topic, ConfigNames: []string{"retention.ms"}},
	}, sarama.DescribeConfigsOptions{})
	if err != nil {
		t.Fatalf("DescribeConfigs retention.ms: %v", err)
	}
	results = append(results, only...)
	if len(results) != 3 {
		t.Fatalf("DescribeConfigs: %d results, want 3", len(results))
	}
	for _, r := range results {
		if r.ErrorCode != sarama.ErrNoError {
			t.Fatalf("DescribeConfigs %v %s: %v %s", r.Type, r.Name, r.ErrorCode, r.ErrorMsg)
		}
	}
	byName := make(map[string]sarama.ConfigEntry, len(results[0].Configs))
	for _, e := range results[0].Configs {
		byName[e.Name] = e
	}
	if e, ok := byName["retention.ms"]; !ok || e.Value != retentionMs || e.Default || e.Source != sarama.SourceTopic {
		t.Errorf("DescribeConfigs topic: retention.ms = %+v (present %v), want %s set on the topic", e, ok, retentionMs)
	}
	if e, ok := byName["cleanup.policy"]; !ok || e.Value != "delete" {
		t.Errorf("DescribeConfigs topic: cleanup.policy = %+v (present %v), want delete", e, ok)
	}
	if only := results[2].Configs; len(only) != 1 || only[0].Name != "retention.ms" || only[0].Value != retentionMs {
		t.Errorf("DescribeConfigs topic, names [retention.ms]: %+v", only)
	}
	if len(results[1].Configs) == 0 {
		t.Errorf("DescribeConfigs broker %d: no configs", id)
	}
	t.Logf("DescribeConfigs: topic %d entries, broker %d entries", len(results[0].Configs), len(results[1].Configs))
}

func isKError(err error, want sarama.KError) bool {
	var te *sarama.TopicError
	if errors.As(err, &te) {
		return te.Err == want
	}
	return errors.Is(err, want)
}

func brokerAddrs(bs []*sarama.Broker) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Addr()
	}
	return out
}
