package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// A running incremental snapshot travels in the source offset of every
// record emitted while it runs (Debezium's keys), so a restart from a
// committed offset resumes it:
//
//	incremental_snapshot_correlation_id  id of the execute-snapshot signal
//	                                     (the signal table's id; "kafka:<offset>")
//	incremental_snapshot_collections     JSON string: the tables still to read,
//	    the current one first, with their additional conditions:
//	    [{"incremental_snapshot_collections_id": "public.t",
//	      "incremental_snapshot_collections_additional_condition": "v > 0"}]
//	incremental_snapshot_primary_key     JSON string: the key up to which the
//	    current table's rows were all delivered (absent: from the start), one
//	    element per key column, in key order, with the column's type and the
//	    value's PostgreSQL text form:
//	    [{"type": "integer", "value": "1200"}, {"type": "text", "value": "b"}]
//	incremental_snapshot_maximum_key     JSON string, the same form: the
//	    table's largest key when its snapshot began (rows above it are new,
//	    so the stream delivers them)
//
// The text form round-trips every key type (PostgreSQL parses its own
// output: numbers, text, uuid, bytea's hex, timestamps with their zone,
// floats with extra_float_digits=1 by default), and the chunk query passes
// it back as untyped parameters, which take the column's type. When the
// key's types no longer match (the key changed), the table is read again
// from its start. An offset without these keys means no incremental
// snapshot is running.
//
// The primary key moves only when a chunk is wholly handed out: a chunk's
// rows carry the previous chunk's key, its last row the chunk's own. So a
// restart reads again at most the rows of one chunk, the one whose rows
// were not all committed.

// Offset keys of a running incremental snapshot.
const (
	OffsetIncCorrelation = "incremental_snapshot_correlation_id"
	OffsetIncCollections = "incremental_snapshot_collections"
	OffsetIncPrimaryKey  = "incremental_snapshot_primary_key"
	OffsetIncMaximumKey  = "incremental_snapshot_maximum_key"
)

type incCollection struct {
	ID        string `json:"incremental_snapshot_collections_id"`
	Condition string `json:"incremental_snapshot_collections_additional_condition,omitempty"`
}

// keyValue is one key column's value in an offset.
type keyValue struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// incResume is a snapshot's state read from a committed offset.
type incResume struct {
	id          string
	collections []incCollection
	doneKey     []keyValue // nil: the first table from its start
	maxKey      []keyValue // nil: not captured yet
}

// parseIncOffset reads the incremental snapshot state of an offset; nil
// when none is running.
func parseIncOffset(off map[string]any) (*incResume, error) {
	cs, ok := off[OffsetIncCollections].(string)
	if !ok || cs == "" {
		return nil, nil
	}
	res := &incResume{}
	res.id, _ = off[OffsetIncCorrelation].(string)
	if err := json.Unmarshal([]byte(cs), &res.collections); err != nil {
		return nil, fmt.Errorf("%s: %v", OffsetIncCollections, err)
	}
	for _, k := range []struct {
		name string
		dst  *[]keyValue
	}{{OffsetIncPrimaryKey, &res.doneKey}, {OffsetIncMaximumKey, &res.maxKey}} {
		s, _ := off[k.name].(string)
		if s == "" {
			continue
		}
		if err := json.Unmarshal([]byte(s), k.dst); err != nil {
			return nil, fmt.Errorf("%s: %v", k.name, err)
		}
	}
	if len(res.collections) == 0 {
		return nil, nil
	}
	return res, nil
}

// restoreIncremental makes the snapshot of a committed offset the running
// one; its next chunk is read once the stream runs.
func restoreIncremental(res *incResume) *incremental {
	inc := &incremental{id: res.id, filters: map[string]string{}, restore: res}
	for _, c := range res.collections {
		inc.queue = append(inc.queue, c.ID)
		if c.Condition != "" {
			inc.filters[c.ID] = c.Condition
		}
	}
	return inc
}

// resumeKeys applies a restored key position to the table startTable just
// made current, when it is the table the position was saved for (not the
// next one, after that table was skipped) and its key types still match.
func (inc *incremental) resumeKeys() {
	res := inc.restore
	inc.restore = nil
	if res == nil || res.maxKey == nil || len(res.collections) == 0 || len(inc.queue) == 0 || res.collections[0].ID != inc.queue[0] {
		return
	}
	if !inc.sameTypes(res.maxKey) || res.doneKey != nil && !inc.sameTypes(res.doneKey) {
		return
	}
	inc.maxKey = keyTexts(res.maxKey)
	if res.doneKey != nil {
		inc.lastKey = keyTexts(res.doneKey)
		inc.doneKey = inc.lastKey
	}
}

func (inc *incremental) sameTypes(k []keyValue) bool {
	return slices.EqualFunc(k, inc.keyTypes, func(kv keyValue, typ string) bool { return kv.Type == typ })
}

func keyTexts(k []keyValue) []string {
	out := make([]string, len(k))
	for i, kv := range k {
		out[i] = kv.Value
	}
	return out
}

func (inc *incremental) keyJSON(texts []string) string {
	k := make([]keyValue, len(texts))
	for i, v := range texts {
		k[i] = keyValue{Type: inc.keyTypes[i], Value: v}
	}
	b, _ := json.Marshal(k)
	return string(b)
}

// addOffset puts the snapshot's state into a record's offset.
func (inc *incremental) addOffset(off map[string]any) {
	cs := make([]incCollection, len(inc.queue))
	for i, q := range inc.queue {
		cs[i] = incCollection{ID: q, Condition: inc.filters[q]}
	}
	b, _ := json.Marshal(cs)
	off[OffsetIncCollections] = string(b)
	off[OffsetIncCorrelation] = inc.id
	if res := inc.restore; res != nil { // not started again yet: as restored
		for k, v := range map[string][]keyValue{OffsetIncPrimaryKey: res.doneKey, OffsetIncMaximumKey: res.maxKey} {
			if v != nil {
				b, _ := json.Marshal(v)
				off[k] = string(b)
			}
		}
		return
	}
	if inc.table == nil {
		return
	}
	if inc.doneKey != nil {
		off[OffsetIncPrimaryKey] = inc.keyJSON(inc.doneKey)
	}
	if inc.maxKey != nil {
		off[OffsetIncMaximumKey] = inc.keyJSON(inc.maxKey)
	}
}

// keyTypes names the current table's key column types, in key order.
func (r *reader) keyTypes(ctx context.Context, oids []uint32) ([]string, error) {
	out := make([]string, len(oids))
	for i, oid := range oids {
		if err := r.conn.QueryRow(ctx, "SELECT format_type($1, NULL)", oid).Scan(&out[i]); err != nil {
			return nil, fmt.Errorf("incremental snapshot: key type %d: %w", oid, err)
		}
	}
	return out, nil
}
