package group

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type protocol struct {
	name     string
	metadata []byte
}

// member is one member of a group, guarded by its group's mu.
type member struct {
	id               string
	instanceID       *string
	clientID         string
	clientHost       string
	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	protocolType     string
	protocols        []protocol
	assignment       []byte
	seq              uint64 // join order; the oldest member leads when a leader must be chosen

	join        chan *kmsg.JoinGroupResponse // non-nil while awaiting the join phase
	joinVersion int16
	sync        chan *kmsg.SyncGroupResponse // non-nil while awaiting the leader's assignment
	syncVersion int16

	timer *time.Timer // session timeout
	token uint64      // invalidates stale session timer callbacks
}

func (m *member) metadataFor(name string) []byte {
	for _, p := range m.protocols {
		if p.name == name {
			return p.metadata
		}
	}
	return nil
}

// matches reports whether protocols equal the member's, in order.
func (m *member) matches(ps []protocol) bool {
	return slices.EqualFunc(m.protocols, ps, func(a, b protocol) bool {
		return a.name == b.name && bytes.Equal(a.metadata, b.metadata)
	})
}

func (g *group) newMemberID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%x-%x-%x-%x-%x", prefix, b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (m *member) hasProtocol(name string) bool {
	return slices.ContainsFunc(m.protocols, func(p protocol) bool { return p.name == name })
}

// resetSessionLocked (re)starts m's session timeout.
func (g *group) resetSessionLocked(m *member) {
	m.token++
	tok := m.token
	if m.timer != nil {
		m.timer.Stop()
	}
	m.timer = time.AfterFunc(m.sessionTimeout, func() { g.sessionExpired(m, tok) })
}

func (g *group) sessionExpired(m *member, tok uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.removed || g.members[m.id] != m || m.token != tok {
		return
	}
	if m.join != nil || m.sync != nil { // a waiting request keeps the member alive
		g.resetSessionLocked(m)
		return
	}
	g.c.log.Info("group member session expired", "group", g.name, "member", m.id)
	g.removeMemberLocked(m, kerr.UnknownMemberID.Code)
}

// dropMemberLocked forgets m, answering its waiting requests with code.
func (g *group) dropMemberLocked(m *member, code int16) {
	if m.join != nil {
		g.answerJoinLocked(m, joinError(m.joinVersion, m.id, code))
	}
	if m.sync != nil {
		g.answerSyncLocked(m, syncError(m.syncVersion, code))
	}
	m.token++
	if m.timer != nil {
		m.timer.Stop()
	}
	delete(g.members, m.id)
	if m.instanceID != nil && g.statics[*m.instanceID] == m.id {
		delete(g.statics, *m.instanceID)
	}
	if g.leader == m.id {
		g.leader = ""
		if ms := g.sortedMembersLocked(); len(ms) > 0 {
			g.leader = ms[0].id
		}
	}
}

// removeMemberLocked drops m and moves the group on, as Kafka's
// removeMemberAndUpdateGroup does.
func (g *group) removeMemberLocked(m *member, code int16) {
	g.dropMemberLocked(m, code)
	switch g.state {
	case stateStable, stateCompletingRebalance:
		g.prepareRebalanceLocked()
	case statePreparingRebalance:
		g.tryCompleteJoinLocked()
	}
}
