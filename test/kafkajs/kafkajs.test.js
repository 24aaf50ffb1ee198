// kafkajs (2.2.4, non-flexible request versions: Produce v7, Fetch v11,
// Metadata v6, JoinGroup v5, SyncGroup v3, OffsetCommit v5, OffsetFetch v4,
// ApiVersions v2) against the broker at KAFKA_BROKER (host:port):
//   1. admin createTopics makes a 3-partition topic; its metadata and the
//      retention.ms it was created with come back;
//   2. an idempotent producer (acks -1, one request in flight) has N keyed
//      messages acknowledged at contiguous offsets from 0 per partition;
//   3. a consumer group reads all N back, in order per partition, with key,
//      value, headers and timestamp intact;
//   4. admin fetchOffsets shows the committed offsets equal to the end
//      offsets; describeGroups shows the live member and its assignment, and
//      an Empty group once it has left.
// Env: KAFKA_BROKER (required), KAFKAJS_RECORDS (N, default 500),
// KAFKAJS_LOG_LEVEL (NOTHING, ERROR, WARN, INFO, DEBUG; default WARN).
'use strict'

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, logLevel, Partitioners, ConfigResourceTypes, AssignerProtocol } = require('kafkajs')

const broker = process.env.KAFKA_BROKER
if (!broker) {
  throw new Error('KAFKA_BROKER is not set: want host:port of the broker under test (test/kafkajs/run.sh sets it)')
}
const records = Number(process.env.KAFKAJS_RECORDS || 500)
const level = logLevel[(process.env.KAFKAJS_LOG_LEVEL || 'WARN').toUpperCase()]
const partitions = 3
const keys = 37
const batch = 50
const run = `${process.pid}-${Date.now()}`
const topic = `kafkajs-${run}`
const groupId = `kafkajs-group-${run}`
const retentionMs = '3600000'
const stepTimeout = 20000 // ms, each step; the whole file stays under 60s
// The broker runs with group.initial.rebalance.delay.ms=0, so a group of one
// forms in a few round trips; Kafka's default delay (3s) would exceed this.
const maxJoinMs = 2500

const kafka = new Kafka({
  clientId: 'sluice-kafkajs-test',
  brokers: [broker],
  logLevel: level === undefined ? logLevel.WARN : level,
  connectionTimeout: 3000,
  requestTimeout: 10000,
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
})

// within rejects with `what` unless promise settles in ms.
function within (ms, what, promise) {
  let timer
  const deadline = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function message (i) {
  return {
    key: `key-${String(i % keys).padStart(2, '0')}`,
    value: `value-${String(i).padStart(4, '0')}`,
    headers: { seq: String(i) },
    timestamp: String(Date.now()),
  }
}

describe('kafkajs against the broker', { timeout: 55000 }, () => {
  const admin = kafka.admin()
  // produced[p] lists the messages acknowledged on partition p, by offset.
  const produced = Array.from({ length: partitions }, () => [])
  const endOffsets = () => produced.map(msgs => msgs.length)
  const joins = [] // GROUP_JOIN durations, ms

  before(() => within(10000, `admin connect to ${broker}`, admin.connect()))
  after(() => admin.disconnect())

  it('admin createTopics and describes the topic', { timeout: stepTimeout }, async () => {
    const created = await admin.createTopics({
      topics: [{
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: retentionMs }],
      }],
      waitForLeaders: true,
      timeout: 10000,
    })
    assert.equal(created, true, `createTopics ${topic} returned false (already exists?)`)
    assert.ok((await admin.listTopics()).includes(topic), `listTopics does not list ${topic}`)

    const md = await admin.fetchTopicMetadata({ topics: [topic] })
    assert.equal(md.topics.length, 1)
    assert.equal(md.topics[0].name, topic)
    const parts = md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId)
    assert.deepEqual(parts.map(p => p.partitionId), [0, 1, 2])
    const cluster = await admin.describeCluster()
    assert.equal(cluster.brokers.length, 1, `describeCluster: ${JSON.stringify(cluster)}`)
    const id = cluster.brokers[0].nodeId
    assert.equal(cluster.controller, id, 'describeCluster: the only broker should be the controller')
    for (const p of parts) {
      assert.equal(p.partitionErrorCode, 0, `partition ${p.partitionId} error code`)
      assert.equal(p.leader, id, `partition ${p.partitionId} leader`)
      assert.deepEqual(p.replicas, [id], `partition ${p.partitionId} replicas`)
      assert.deepEqual(p.isr, [id], `partition ${p.partitionId} isr`)
    }

    const cfg = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }],
      includeSynonyms: false,
    })
    assert.equal(cfg.resources.length, 1)
    const res = cfg.resources[0]
    assert.equal(res.errorCode, 0, `describeConfigs error: ${res.errorMessage}`)
    const byName = Object.fromEntries(res.configEntries.map(e => [e.configName, e]))
    assert.equal(byName['retention.ms']?.configValue, retentionMs, `retention.ms: ${JSON.stringify(byName['retention.ms'])}`)
    assert.equal(byName['retention.ms'].isDefault, false, 'retention.ms was set on the topic')
    assert.equal(byName['cleanup.policy']?.configValue, 'delete', `cleanup.policy: ${JSON.stringify(byName['cleanup.policy'])}`)
  })

  it('idempotent producer (acks -1, 1 in flight) gets contiguous offsets', { timeout: stepTimeout }, async () => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    })
    await producer.connect()
    try {
      for (let i = 0; i < records; i += batch) {
        const msgs = []
        for (let j = i; j < Math.min(i + batch, records); j++) msgs.push(message(j))
        const acks = await producer.send({ topic, acks: -1, timeout: 10000, messages: msgs })
        // kafkajs returns one RecordMetadata per partition written, with the
        // base offset of the batch; the batch kept the order of msgs.
        const byPart = new Map()
        for (const m of msgs) {
          const p = partitionOf(m.key)
          if (!byPart.has(p)) byPart.set(p, [])
          byPart.get(p).push(m)
        }
        assert.equal(acks.length, byPart.size, `send: ${JSON.stringify(acks)}`)
        for (const ack of acks) {
          assert.equal(ack.topicName, topic)
          assert.equal(ack.errorCode, 0, `send: partition ${ack.partition} error ${ack.errorCode}`)
          assert.equal(Number(ack.baseOffset), produced[ack.partition].length,
            `send: partition ${ack.partition} base offset ${ack.baseOffset}, want ${produced[ack.partition].length} (gap or duplicate)`)
          produced[ack.partition].push(...byPart.get(ack.partition))
        }
      }
    } finally {
      await producer.disconnect()
    }
    assert.equal(endOffsets().reduce((a, b) => a + b, 0), records)
    for (let p = 0; p < partitions; p++) assert.ok(produced[p].length > 0, `partition ${p} got no records`)

    const offsets = await admin.fetchTopicOffsets(topic)
    for (const o of offsets) {
      assert.equal(Number(o.low), 0, `fetchTopicOffsets partition ${o.partition} low`)
      assert.equal(Number(o.high), produced[o.partition].length, `fetchTopicOffsets partition ${o.partition} high`)
    }
  })

  it('consumer group reads every message back and commits', { timeout: stepTimeout }, async () => {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 })
    const want = endOffsets()
    const next = Array(partitions).fill(0)
    let seen = 0
    let failure
    let allSeen, committed
    const allSeenP = new Promise(resolve => { allSeen = resolve })
    const committedP = new Promise(resolve => { committed = resolve })
    const commits = Array(partitions).fill(-1)
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const t of payload.topics) {
        if (t.topic !== topic) continue
        for (const { partition, offset } of t.partitions) commits[partition] = Number(offset)
      }
      if (commits.every((o, p) => o === want[p])) committed()
    })
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => joins.push(payload.duration))
    await consumer.connect()
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ topic: t, partition, message: m }) => {
          try {
            assert.equal(t, topic)
            const offset = Number(m.offset)
            assert.equal(offset, next[partition], `partition ${partition}: offset ${offset}, want ${next[partition]}`)
            const sent = produced[partition][offset]
            assert.ok(sent, `partition ${partition} offset ${offset} was never produced`)
            assert.equal(m.key.toString(), sent.key, `partition ${partition} offset ${offset} key`)
            assert.equal(m.value.toString(), sent.value, `partition ${partition} offset ${offset} value`)
            assert.equal(m.headers.seq?.toString(), sent.headers.seq, `partition ${partition} offset ${offset} header seq`)
            assert.equal(m.timestamp, sent.timestamp, `partition ${partition} offset ${offset} timestamp`)
          } catch (err) {
            failure ??= err
          }
          next[partition] = Number(m.offset) + 1
          if (++seen === records) allSeen()
        },
      })
      await within(15000, `consume ${records} messages (got ${seen})`, allSeenP)
      if (failure) throw failure
      await within(5000, `commit of end offsets ${want} (last commits ${commits})`, committedP)

      const fetched = await admin.fetchOffsets({ groupId, topics: [topic] })
      assert.equal(fetched.length, 1)
      assert.deepEqual(offsetsByPartition(fetched[0].partitions), want, 'fetchOffsets while the group is live')

      const { groups } = await admin.describeGroups([groupId])
      assert.equal(groups.length, 1)
      const g = groups[0]
      assert.equal(g.errorCode, 0)
      assert.equal(g.groupId, groupId)
      assert.equal(g.state, 'Stable')
      assert.equal(g.protocolType, 'consumer')
      assert.equal(g.protocol, 'RoundRobinAssigner')
      assert.equal(g.members.length, 1)
      assert.equal(g.members[0].clientId, 'sluice-kafkajs-test', `describeGroups: ${JSON.stringify(g)}`)
      // Kafka reports the host as InetAddress.toString ("/127.0.0.1"); the
      // kfake stand-in (SLUICE_BIN=kfake) reports host:port.
      const hostRe = process.env.SLUICE_BIN === 'kfake' ? /^127\.0\.0\.1:\d+$/ : /^\/127\.0\.0\.1$/
      assert.match(g.members[0].clientHost, hostRe, `describeGroups: ${JSON.stringify(g)}`)
      const assignment = AssignerProtocol.MemberAssignment.decode(g.members[0].memberAssignment)
      assert.deepEqual(assignment.assignment[topic].slice().sort(), [0, 1, 2], 'describeGroups member assignment')
    } finally {
      await consumer.disconnect()
    }

    const after = await admin.fetchOffsets({ groupId, topics: [topic] })
    assert.deepEqual(offsetsByPartition(after[0].partitions), want, 'fetchOffsets after the group left')
    const { groups } = await admin.describeGroups([groupId])
    assert.equal(groups[0].state, 'Empty', `describeGroups after leaving: ${JSON.stringify(groups[0])}`)
    assert.equal(groups[0].members.length, 0)
  })

  // Last, so that a slow join does not hide the results above.
  it(`group join takes under ${maxJoinMs}ms`, () => {
    assert.ok(joins.length > 0, 'no GROUP_JOIN event')
    for (const ms of joins) {
      assert.ok(ms < maxJoinMs, `consumer joined group ${groupId} in ${ms}ms (JoinGroup + SyncGroup), want under ${maxJoinMs}ms: the broker runs with group.initial.rebalance.delay.ms=0`)
    }
  })
})

function offsetsByPartition (parts) {
  const out = Array(partitions).fill(null)
  for (const { partition, offset } of parts) out[partition] = Number(offset)
  return out
}

// partitionOf is kafkajs's DefaultPartitioner (murmur2, Java-compatible) for
// a keyed message, so that acknowledgements can be matched to messages.
const defaultPartitioner = Partitioners.DefaultPartitioner()
function partitionOf (key) {
  return defaultPartitioner({
    topic,
    partitionMetadata: Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 })),
    message: { key },
  })
}
