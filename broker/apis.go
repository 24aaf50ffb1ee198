package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// api is one served API key: the version range advertised in ApiVersions
// and its handler.
type api struct {
	key      int16
	min, max int16
	handle   func(b *Broker, c *conn, req kmsg.Request) reply
}

// apiTable lists every API key the broker serves. Floors are no lower than
// Apache Kafka 4.0's; maxima cover what franz-go, librdkafka 2.x,
// IBM/sarama and kafkajs send.
func apiTable() []api {
	return []api{
		{kmsg.Produce.Int16(), 3, 12, (*Broker).handleProduce},
		{kmsg.Fetch.Int16(), 4, 16, (*Broker).handleFetch},
		{kmsg.ListOffsets.Int16(), 1, 9, (*Broker).handleListOffsets},
		{kmsg.Metadata.Int16(), 0, 12, (*Broker).handleMetadata},
		{kmsg.OffsetCommit.Int16(), 2, 9, (*Broker).handleOffsetCommit},
		{kmsg.OffsetFetch.Int16(), 1, 9, (*Broker).handleOffsetFetch},
		{kmsg.FindCoordinator.Int16(), 0, 6, (*Broker).handleFindCoordinator},
		{kmsg.JoinGroup.Int16(), 0, 9, (*Broker).handleJoinGroup},
		{kmsg.Heartbeat.Int16(), 0, 4, (*Broker).handleHeartbeat},
		{kmsg.LeaveGroup.Int16(), 0, 5, (*Broker).handleLeaveGroup},
		{kmsg.SyncGroup.Int16(), 0, 5, (*Broker).handleSyncGroup},
		{kmsg.DescribeGroups.Int16(), 0, 5, (*Broker).handleDescribeGroups},
		{kmsg.ListGroups.Int16(), 0, 5, (*Broker).handleListGroups},
		{kmsg.ApiVersions.Int16(), 0, 4, (*Broker).handleApiVersions},
		{kmsg.CreateTopics.Int16(), 2, 7, (*Broker).handleCreateTopics},
		{kmsg.DeleteTopics.Int16(), 1, 6, (*Broker).handleDeleteTopics},
		{kmsg.DeleteRecords.Int16(), 0, 2, (*Broker).handleDeleteRecords},
		{kmsg.InitProducerID.Int16(), 0, 5, (*Broker).handleInitProducerID},
		{kmsg.OffsetForLeaderEpoch.Int16(), 2, 4, (*Broker).handleOffsetForLeaderEpoch},
		{kmsg.DescribeConfigs.Int16(), 1, 4, (*Broker).handleDescribeConfigs},
		{kmsg.AlterConfigs.Int16(), 0, 2, (*Broker).handleAlterConfigs},
		{kmsg.CreatePartitions.Int16(), 0, 3, (*Broker).handleCreatePartitions},
		{kmsg.DeleteGroups.Int16(), 0, 2, (*Broker).handleDeleteGroups},
		{kmsg.IncrementalAlterConfigs.Int16(), 0, 1, (*Broker).handleIncrementalAlterConfigs},
		{kmsg.OffsetDelete.Int16(), 0, 0, (*Broker).handleOffsetDelete},
		{kmsg.DescribeCluster.Int16(), 0, 1, (*Broker).handleDescribeCluster},
		{kmsg.AddPartitionsToTxn.Int16(), 0, 5, (*Broker).handleAddPartitionsToTxn},
		{kmsg.AddOffsetsToTxn.Int16(), 0, 4, (*Broker).handleAddOffsetsToTxn},
		{kmsg.EndTxn.Int16(), 0, 4, (*Broker).handleEndTxn},
		{kmsg.TxnOffsetCommit.Int16(), 0, 5, (*Broker).handleTxnOffsetCommit},
		{kmsg.DescribeTransactions.Int16(), 0, 0, (*Broker).handleDescribeTransactions},
		{kmsg.ListTransactions.Int16(), 0, 2, (*Broker).handleListTransactions},
	}
}
