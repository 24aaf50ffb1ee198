package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Group protocol identifiers: JoinGroup's protocol type and the one protocol
// name Sluice workers offer.
const (
	ProtocolType = "connect"
	ProtocolName = "sluice1"
	// ProtocolVersion is the first byte of every metadata and assignment.
	ProtocolVersion = 1
)

// ErrBadProtocol wraps every decode failure: the bytes are not a version-1
// Sluice metadata or assignment.
var ErrBadProtocol = errors.New("cluster: bad group protocol bytes")

// Assignment error codes, as Kafka's ConnectProtocol.Assignment.
const (
	AssignNoError        = 0
	AssignConfigMismatch = 1 // members disagree on the config offset; re-read and rejoin
)

// WireAssignment is the SyncGroup assignment one member receives.
type WireAssignment struct {
	Error        byte
	Leader       string
	LeaderURL    string
	ConfigOffset int64
	Assigned     Assignment
	Revoked      Assignment
	Delay        time.Duration // millisecond precision on the wire
}

// EncodeMetadata encodes a member's JoinGroup metadata (ID is not encoded:
// the group carries it).
func EncodeMetadata(m Member) []byte {
	b := []byte{ProtocolVersion}
	b = appendString(b, m.URL)
	b = binary.AppendVarint(b, m.ConfigOffset)
	return appendAssignment(b, m.Owned)
}

// DecodeMetadata decodes metadata written by EncodeMetadata; id is the
// member id the group reported with it.
func DecodeMetadata(id string, data []byte) (Member, error) {
	d := decoder{b: data}
	d.version()
	m := Member{ID: id}
	m.URL = d.string()
	m.ConfigOffset = d.varint()
	m.Owned = d.assignment()
	return m, d.finish("metadata")
}

// EncodeAssignment encodes a SyncGroup assignment.
func EncodeAssignment(a WireAssignment) []byte {
	b := []byte{ProtocolVersion, a.Error}
	b = appendString(b, a.Leader)
	b = appendString(b, a.LeaderURL)
	b = binary.AppendVarint(b, a.ConfigOffset)
	b = appendAssignment(b, a.Assigned)
	b = appendAssignment(b, a.Revoked)
	return binary.AppendUvarint(b, uint64(a.Delay.Milliseconds()))
}

// DecodeAssignment decodes bytes written by EncodeAssignment.
func DecodeAssignment(data []byte) (WireAssignment, error) {
	d := decoder{b: data}
	d.version()
	var a WireAssignment
	a.Error = d.byte()
	a.Leader = d.string()
	a.LeaderURL = d.string()
	a.ConfigOffset = d.varint()
	a.Assigned = d.assignment()
	a.Revoked = d.assignment()
	ms := d.uvarint()
	if ms > uint64(time.Duration(1<<62)/time.Millisecond) {
		d.fail("delay out of range")
	}
	a.Delay = time.Duration(ms) * time.Millisecond
	return a, d.finish("assignment")
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendAssignment writes connectors, then tasks grouped by connector:
//
//	n connectors { name }  n groups { connector  n tasks { task } }
func appendAssignment(b []byte, a Assignment) []byte {
	b = binary.AppendUvarint(b, uint64(len(a.Connectors)))
	for _, c := range a.Connectors {
		b = appendString(b, c)
	}
	var groups [][]TaskID
	for i, t := range a.Tasks {
		if i == 0 || t.Connector != a.Tasks[i-1].Connector {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], t)
	}
	b = binary.AppendUvarint(b, uint64(len(groups)))
	for _, g := range groups {
		b = appendString(b, g[0].Connector)
		b = binary.AppendUvarint(b, uint64(len(g)))
		for _, t := range g {
			b = binary.AppendUvarint(b, uint64(t.Task))
		}
	}
	return b
}

// decoder reads the format; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(why string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrBadProtocol, why)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) version() {
	if v := d.byte(); d.err == nil && v != ProtocolVersion {
		d.fail(fmt.Sprintf("version %d, want %d", v, ProtocolVersion))
	}
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in the bytes left (each element takes
// at least one byte), so a hostile length cannot allocate much.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("length beyond end")
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count()
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) assignment() Assignment {
	var a Assignment
	for range d.count() {
		a.Connectors = append(a.Connectors, d.string())
	}
	for range d.count() {
		c := d.string()
		for range d.count() {
			t := d.uvarint()
			if t > 1<<31 {
				d.fail("task id out of range")
			}
			a.Tasks = append(a.Tasks, TaskID{c, int(t)})
		}
	}
	return assignmentOf(units(a))
}

func (d *decoder) finish(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return fmt.Errorf("decode %s: %w", what, d.err)
	}
	return nil
}

// Encode turns a round's result into each member's SyncGroup assignment
// bytes, stamped with the leader and the config offset members must read
// to before starting their work.
func (r AssignResult) Encode(leader, leaderURL string, configOffset int64) map[string][]byte {
	out := make(map[string][]byte, len(r.Members))
	for id, ma := range r.Members {
		out[id] = EncodeAssignment(WireAssignment{
			Leader: leader, LeaderURL: leaderURL, ConfigOffset: configOffset,
			Assigned: ma.Assigned, Revoked: ma.Revoked, Delay: r.Delay,
		})
	}
	return out
}
