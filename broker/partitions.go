package broker

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/sluicehq/sluice/broker/config"
	plog "github.com/sluicehq/sluice/broker/log"
	"github.com/sluicehq/sluice/broker/meta"
)

// partition is one topic partition this broker leads.
type partition struct {
	topic   string
	topicID [16]byte
	id      int32
	log     *plog.Log
	epoch   atomic.Int32 // leader epoch

	mu struct {
		sync.Mutex
		waiters []chan struct{} // fetches waiting for new data
	}
}

// notify wakes every fetch waiting on this partition.
func (p *partition) notify() {
	p.mu.Lock()
	ws := p.mu.waiters
	p.mu.waiters = nil
	p.mu.Unlock()
	for _, w := range ws {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// watch registers ch to be signalled on the next append.
func (p *partition) watch(ch chan struct{}) {
	p.mu.Lock()
	p.mu.waiters = append(p.mu.waiters, ch)
	p.mu.Unlock()
}

func (p *partition) unwatch(ch chan struct{}) {
	p.mu.Lock()
	for i, w := range p.mu.waiters {
		if w == ch {
			p.mu.waiters = append(p.mu.waiters[:i], p.mu.waiters[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
}

// partitions is the registry of open partition logs. Lookups take the read
// lock; opening and dropping take the write lock.
type partitions struct {
	b   *Broker
	dir string
	mu  struct {
		sync.RWMutex
		byTopic map[string][]*partition
	}
}

func newPartitions(b *Broker) *partitions {
	ps := &partitions{b: b, dir: filepath.Join(b.cfg.DataDir, "logs")}
	ps.mu.byTopic = map[string][]*partition{}
	return ps
}

// get returns the open partition, opening its log on first use when the
// metadata says this broker leads it.
func (ps *partitions) get(topic string, id int32) (*partition, error) {
	ps.mu.RLock()
	if parts := ps.mu.byTopic[topic]; id >= 0 && int(id) < len(parts) && parts[id] != nil {
		p := parts[id]
		ps.mu.RUnlock()
		return p, nil
	}
	ps.mu.RUnlock()

	t, ok := ps.b.meta.Topic(topic)
	if !ok || id < 0 || int(id) >= len(t.Partitions) {
		return nil, kerr.UnknownTopicOrPartition
	}
	if t.Partitions[id].Leader != ps.b.cfg.NodeID {
		return nil, kerr.NotLeaderForPartition
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.openLocked(t, id)
}

// openLocked opens (or returns the already open) log of t's partition id.
func (ps *partitions) openLocked(t meta.Topic, id int32) (*partition, error) {
	parts := ps.mu.byTopic[t.Name]
	if int(id) < len(parts) && parts[id] != nil {
		if parts[id].topicID == t.ID {
			return parts[id], nil
		}
		// A topic of the same name was deleted and created again.
		ps.dropLocked(t.Name)
		parts = nil
	}
	dir := filepath.Join(ps.dir, fmt.Sprintf("%s-%d", t.Name, id))
	if err := claimDir(dir, t.ID); err != nil {
		return nil, err
	}
	l, err := plog.Open(dir, ps.b.logConfig(t), plog.Options{
		Logger: ps.b.logger.With("topic", t.Name, "partition", id),
	})
	if err != nil {
		return nil, fmt.Errorf("open log %s-%d: %w", t.Name, id, err)
	}
	p := &partition{topic: t.Name, topicID: t.ID, id: id, log: l}
	p.epoch.Store(t.Partitions[id].LeaderEpoch)
	for len(parts) <= int(id) {
		parts = append(parts, nil)
	}
	parts[id] = p
	ps.mu.byTopic[t.Name] = parts
	return p, nil
}

// claimDir makes dir the home of the topic with the given id: a leftover
// directory of a deleted topic of the same name is removed first. The id is
// kept in partition.metadata, as Kafka does.
func claimDir(dir string, id [16]byte) error {
	want := "version: 0\ntopic_id: " + base64.RawURLEncoding.EncodeToString(id[:]) + "\n"
	metaFile := filepath.Join(dir, "partition.metadata")
	have, err := os.ReadFile(metaFile)
	switch {
	case err == nil && string(have) == want:
		return nil
	case err == nil:
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove stale log dir %s: %w", dir, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read %s: %w", metaFile, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create log dir: %w", err)
	}
	return os.WriteFile(metaFile, []byte(want), 0o644)
}

// drop closes and deletes every log of topic.
func (ps *partitions) drop(topic string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.dropLocked(topic)
}

func (ps *partitions) dropLocked(topic string) {
	for _, p := range ps.mu.byTopic[topic] {
		if p == nil {
			continue
		}
		p.notify()
		if err := p.log.Remove(); err != nil {
			ps.b.logger.Warn("remove log", "topic", topic, "partition", p.id, "err", err)
		}
	}
	delete(ps.mu.byTopic, topic)
}

// all returns every open partition.
func (ps *partitions) all() []*partition {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	var out []*partition
	for _, parts := range ps.mu.byTopic {
		for _, p := range parts {
			if p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// ofTopic returns the open partitions of one topic.
func (ps *partitions) ofTopic(topic string) []*partition {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	var out []*partition
	for _, p := range ps.mu.byTopic[topic] {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

func (ps *partitions) closeAll() error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var errs []error
	for topic, parts := range ps.mu.byTopic {
		for _, p := range parts {
			if p != nil {
				errs = append(errs, p.log.Close())
			}
		}
		delete(ps.mu.byTopic, topic)
	}
	return errors.Join(errs...)
}

// onMetaEvent keeps open logs in step with the metadata.
func (b *Broker) onMetaEvent(ev meta.Event) {
	switch ev.Kind {
	case meta.TopicCreated, meta.PartitionsCreated:
		for _, p := range ev.Topic.Partitions {
			if p.Leader != b.cfg.NodeID {
				continue
			}
			b.parts.mu.Lock()
			if _, err := b.parts.openLocked(ev.Topic, p.ID); err != nil {
				b.logger.Error("open partition", "topic", ev.Topic.Name, "partition", p.ID, "err", err)
			}
			b.parts.mu.Unlock()
		}
	case meta.TopicDeleted:
		b.parts.drop(ev.Topic.Name)
	case meta.TopicConfigsChanged:
		cfg := b.logConfig(ev.Topic)
		for _, p := range b.parts.ofTopic(ev.Topic.Name) {
			p.log.SetConfig(cfg)
		}
	case meta.BrokerConfigsChanged:
		b.refreshBrokerConfigs()
		for _, t := range b.meta.Topics() {
			cfg := b.logConfig(t)
			for _, p := range b.parts.ofTopic(t.Name) {
				p.log.SetConfig(cfg)
			}
		}
	}
}

// logConfig turns a topic's effective configs into log settings.
func (b *Broker) logConfig(t meta.Topic) plog.Config {
	bc := b.brokerConfigs()
	get := func(name string) string { return config.Effective(t.Configs, bc, name) }
	num := func(name string, def int64) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(get(name)), 10, 64)
		if err != nil {
			return def
		}
		return n
	}
	c := plog.DefaultConfig()
	c.SegmentBytes = num("segment.bytes", c.SegmentBytes)
	c.SegmentMs = num("segment.ms", c.SegmentMs)
	c.IndexIntervalBytes = int32(num("index.interval.bytes", int64(c.IndexIntervalBytes)))
	c.RetentionMs = num("retention.ms", c.RetentionMs)
	c.RetentionBytes = num("retention.bytes", c.RetentionBytes)
	policy := get("cleanup.policy")
	c.Compact = strings.Contains(policy, "compact")
	c.Delete = strings.Contains(policy, "delete")
	c.DeleteRetentionMs = num("delete.retention.ms", c.DeleteRetentionMs)
	if r, err := strconv.ParseFloat(get("min.cleanable.dirty.ratio"), 64); err == nil {
		c.MinCleanableDirtyRatio = r
	}
	c.MinCompactionLagMs = num("min.compaction.lag.ms", c.MinCompactionLagMs)
	c.FlushMessages = num("flush.messages", math.MaxInt64)
	c.FlushMs = num("flush.ms", math.MaxInt64)
	c.FsyncOnAck, _ = strconv.ParseBool(get("sluice.flush.on.ack"))
	c.MaxMessageBytes = int32(num("max.message.bytes", int64(c.MaxMessageBytes)))
	c.LogAppendTime = get("message.timestamp.type") == "LogAppendTime"
	return c
}
