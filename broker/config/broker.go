package config

import "math"

// brokerTable lists the broker configs Sluice supports: the broker-only ones
// and every topic config's broker synonym.
func brokerTable() []Def {
	defs := []Def{
		def("auto.create.topics.enable", Boolean, "false",
			"Create a topic when a client asks for metadata of an unknown one. Sluice: defaults to false (Kafka: true) so typos do not create topics.", nil),
		readOnly(def("broker.id", Int, "-1", "This broker's id; equals node.id.", atLeastInt(-1))),
		def("default.replication.factor", Int, "1",
			"Replication factor of topics created with replication factor -1 or automatically.", atLeastInt(1)),
		def("delete.topic.enable", Boolean, "true", "Allow DeleteTopics.", nil),
		def("group.initial.rebalance.delay.ms", Int, "3000",
			"How long the coordinator waits for more members to join a new, empty group before the first rebalance.", atLeastInt(0)),
		def("group.max.session.timeout.ms", Int, "1800000",
			"Maximum session timeout a group member may ask for.", atLeastInt(1)),
		def("group.max.size", Int, "2147483647", "Maximum number of members in one group.", atLeastInt(1)),
		def("group.min.session.timeout.ms", Int, "6000",
			"Minimum session timeout a group member may ask for.", atLeastInt(1)),
		def("log.retention.check.interval.ms", Long, "300000",
			"How often the log retention task looks for segments to delete.", atLeastLong(1)),
		readOnly(def("node.id", Int, "-1", "This node's id in the metadata quorum.", atLeastInt(-1))),
		def("num.partitions", Int, "1",
			"Partition count of topics created with -1 partitions or automatically.", atLeastInt(1)),
		def("offsets.retention.minutes", Int, "10080",
			"How long committed offsets of an empty group are kept.", atLeastInt(1)),
		readOnly(def("offsets.topic.num.partitions", Int, "50",
			"Partition count of __consumer_offsets; fixed once the topic exists.", atLeastInt(1))),
		readOnly(def("offsets.topic.replication.factor", Short, "1",
			"Replication factor of __consumer_offsets. Sluice: defaults to 1 (Kafka: 3) for single-node deployments.", intRange(1, math.MaxInt16))),
		def("socket.request.max.bytes", Int, "104857600",
			"Largest request the broker accepts, in bytes.", atLeastInt(1)),
		def("transaction.max.timeout.ms", Int, "900000",
			"Maximum transaction timeout a producer may ask for.", atLeastInt(1)),
		readOnly(def("transaction.state.log.num.partitions", Int, "50",
			"Partition count of __transaction_state.", atLeastInt(1))),
		readOnly(def("transaction.state.log.replication.factor", Short, "1",
			"Replication factor of __transaction_state. Sluice: defaults to 1 (Kafka: 3).", intRange(1, math.MaxInt16))),
		def("transactional.id.expiration.ms", Int, "604800000",
			"How long a transactional id is kept without updates.", atLeastInt(1)),

		// Topic config synonyms whose unit or default differs from the topic
		// config's, declared explicitly.
		noDefault(def("log.retention.ms", Long, "", "Default retention.ms; overrides log.retention.minutes and log.retention.hours.", atLeastLong(-1))),
		noDefault(def("log.retention.minutes", Int, "", "Default retention in minutes; overrides log.retention.hours.", atLeastInt(-1))),
		def("log.retention.hours", Int, "168", "Default retention in hours.", atLeastInt(-1)),
		noDefault(def("log.roll.ms", Long, "", "Default segment.ms; overrides log.roll.hours.", atLeastLong(1))),
		def("log.roll.hours", Int, "168", "Default segment roll time in hours.", atLeastInt(1)),
		noDefault(def("log.roll.jitter.ms", Long, "", "Default segment.jitter.ms; overrides log.roll.jitter.hours.", atLeastLong(0))),
		def("log.roll.jitter.hours", Int, "0", "Default segment roll jitter in hours.", atLeastInt(0)),
		noDefault(def("log.flush.interval.ms", Long, "", "Default flush.ms.", atLeastLong(0))),
	}
	declared := make(map[string]bool, len(defs))
	for _, d := range defs {
		declared[d.Name] = true
	}
	// Every other synonym mirrors its topic config: same type, default,
	// validator.
	for _, t := range topicTable() {
		for _, syn := range t.BrokerSynonyms {
			if declared[syn] {
				continue
			}
			declared[syn] = true
			b := t
			b.Name = syn
			b.Doc = "Default " + t.Name + ": " + t.Doc
			b.BrokerSynonyms = nil
			defs = append(defs, b)
		}
	}
	return defs
}

func readOnly(d Def) Def  { d.ReadOnly = true; return d }
func noDefault(d Def) Def { d.HasDefault = false; return d }
