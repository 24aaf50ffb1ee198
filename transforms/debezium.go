package transforms

import (
	"slices"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/record"
)

// io.debezium.transforms.ExtractNewRecordState: unwrap a Debezium change
// event (before, after, source, op, ts_ms) to its after state.
//
// A record is an envelope when its value is a Struct whose schema's name
// ends in ".Envelope" or that has op, before and after fields; Sluice also
// accepts a schemaless map with "op" and "after" keys (Debezium passes
// those unchanged). Other records (heartbeats, schema changes) pass
// unchanged. Truncate events (no before, no after) are dropped.

func extractNewRecordStatePlugins() []Plugin {
	d := extractNewRecordStateDef()
	return []Plugin{{
		Name:    debeziumUnwrapClass,
		Aliases: []string{"ExtractNewRecordState"},
		Kind:    KindTransformation,
		Version: debeziumVersion,
		Config:  d,
		NewTransformation: func(cfg map[string]string) (Transformation, error) {
			c, err := newConf(d, cfg)
			if err != nil {
				return nil, err
			}
			fields, err := parseFieldRefs(c.str("add.fields.prefix"), c.list("add.fields"))
			if err != nil {
				return nil, optErrorf("add.fields", "%v", err)
			}
			headers, err := parseFieldRefs(c.str("add.headers.prefix"), c.list("add.headers"))
			if err != nil {
				return nil, optErrorf("add.headers", "%v", err)
			}
			return &unwrap{modes: parseDeleteModes(c), fields: fields, headers: headers,
				routeBy: c.str("route.by.field"), dropHeader: c.str("drop.fields.header.name"),
				dropFromKey: c.bool("drop.fields.from.key"), dropCompatible: c.bool("drop.fields.keep.schema.compatible"),
				replaceNull: c.bool(replaceNullWithDefault)}, nil
		},
	}}
}

type unwrap struct {
	modes          deleteModes
	fields         []fieldRef
	headers        []fieldRef
	routeBy        string
	dropHeader     string
	dropFromKey    bool
	dropCompatible bool
	replaceNull    bool

	mu struct {
		sync.Mutex
		schemas map[unwrapKey]*record.Schema
	}
}

type unwrapKey struct {
	row, env *record.Schema
	extra    string // deleted-field value class or dropped fields
}

func (t *unwrap) cached(k unwrapKey, build func() (*record.Schema, error)) (*record.Schema, error) {
	t.mu.Lock()
	s, ok := t.mu.schemas[k]
	t.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := build()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.mu.schemas == nil || len(t.mu.schemas) >= maxCached {
		t.mu.schemas = make(map[unwrapKey]*record.Schema)
	}
	t.mu.schemas[k] = s
	t.mu.Unlock()
	return s, nil
}

func isEnvelopeSchema(s *record.Schema) bool {
	if s == nil || s.Type != record.StructType {
		return false
	}
	if strings.HasSuffix(s.Name, ".Envelope") {
		return true
	}
	return s.Field("op") != nil && s.Field("before") != nil && s.Field("after") != nil
}

func (t *unwrap) Apply(r record.Record) (record.Record, bool, error) {
	if r.Value == nil {
		if !t.modes.keepTombstones {
			return r, false, nil
		}
		for _, h := range t.headers {
			if h.parent == "" && h.field == "op" {
				r.Headers = append(cloneHeaders(r.Headers), headerString(h.out, "d"))
			}
		}
		return r, true, nil
	}
	if m, ok := r.Value.(map[string]any); ok && r.ValueSchema == nil {
		if _, hasOp := m["op"].(string); hasOp {
			if _, hasAfter := m["after"]; hasAfter {
				return t.applyMap(r, m)
			}
		}
		return r, true, nil
	}
	env, ok := r.Value.(*record.Struct)
	if !ok || env == nil || !isEnvelopeSchema(r.ValueSchema) || !isEnvelopeSchema(env.Schema()) {
		return r, true, nil
	}
	es := env.Schema()
	if len(t.headers) > 0 {
		hs := cloneHeaders(r.Headers)
		for _, h := range t.headers {
			if fs, v, ok := t.refValue(env, h); ok {
				hs = append(hs, record.Header{Key: h.out, Schema: optionalCopy(fs), Value: v})
			}
		}
		r.Headers = hs
	}
	after, _ := env.Get("after").(*record.Struct)
	before, _ := env.Get("before").(*record.Struct)
	afterField := es.Field("after")
	if after == nil && before == nil {
		return r, false, nil // truncate
	}
	if after == nil {
		if t.routeBy != "" {
			r = routeTo(r, before, t.routeBy)
		}
		switch t.modes.onDelete {
		case deleteDrop:
			return r, false, nil
		case deleteNullValue:
			r.ValueSchema, r.Value = afterField.Schema, nil
			return r, true, nil
		case deleteTombstone:
			r.ValueSchema, r.Value = nil, nil
			return r, true, nil
		}
		return t.rowState(r, env, before, "true")
	}
	if t.routeBy != "" {
		r = routeTo(r, after, t.routeBy)
	}
	deleted := ""
	if t.modes.rewrite {
		deleted = "false"
	}
	return t.rowState(r, env, after, deleted)
}

// rowState sets the value to row plus add.fields (and __deleted when
// deleted is not empty), then drops the fields the drop header names.
func (t *unwrap) rowState(r record.Record, env, row *record.Struct, deleted string) (record.Record, bool, error) {
	rs := row.Schema()
	ns, err := t.cached(unwrapKey{row: rs, env: env.Schema(), extra: deleted}, func() (*record.Schema, error) {
		out := structLike(rs)
		for _, f := range rs.Fields {
			_ = addField(out, f.Name, f.Schema)
		}
		for _, ref := range t.fields {
			if fs, _, ok := t.refValue(env, ref); ok {
				if err := addField(out, ref.out, optionalCopy(fs)); err != nil {
					return nil, err
				}
			}
		}
		if deleted != "" {
			if err := addField(out, deletedField, record.OptionalStringSchema()); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
	if err != nil {
		return r, true, err
	}
	nv := record.NewStruct(ns)
	for i := range rs.Fields {
		nv.PutAt(i, fieldValue(row, i, t.replaceNull))
	}
	i := len(rs.Fields)
	for _, ref := range t.fields {
		if _, v, ok := t.refValue(env, ref); ok {
			nv.PutAt(i, v)
			i++
		}
	}
	if deleted != "" {
		nv.PutAt(i, deleted)
	}
	r.ValueSchema, r.Value = ns, nv
	if t.dropHeader != "" {
		return t.dropFields(r)
	}
	return r, true, nil
}

// refValue finds an add.fields/add.headers reference in the envelope: in
// its parent struct, else at the top level (a field another SMT added).
func (t *unwrap) refValue(env *record.Struct, ref fieldRef) (*record.Schema, any, bool) {
	es := env.Schema()
	if ref.parent != "" {
		if pf := es.Field(ref.parent); pf != nil && pf.Schema.Type == record.StructType {
			if f := pf.Schema.Field(ref.field); f != nil {
				parent, _ := env.RawAt(pf.Index).(*record.Struct)
				if parent == nil {
					return f.Schema, nil, true
				}
				return f.Schema, parent.RawAt(f.Index), true
			}
		}
	}
	if f := es.Field(ref.field); f != nil {
		return f.Schema, env.RawAt(f.Index), true
	}
	return nil, nil, false
}

func routeTo(r record.Record, row *record.Struct, field string) record.Record {
	if row == nil {
		return r
	}
	if s, ok := row.Get(field).(string); ok && s != "" {
		r.Topic = s
	}
	return r
}

// dropFields removes the fields listed in the drop.fields.header.name
// header (an array of names, or a comma-separated string).
func (t *unwrap) dropFields(r record.Record) (record.Record, bool, error) {
	var names []string
	for _, h := range r.Headers {
		if h.Key != t.dropHeader {
			continue
		}
		switch x := h.Value.(type) {
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					names = append(names, s)
				}
			}
		case []string:
			names = append(names, x...)
		case string:
			names = append(names, splitList(x)...)
		}
	}
	if len(names) == 0 {
		return r, true, nil
	}
	var err error
	if r.ValueSchema, r.Value, err = t.dropFrom(r.ValueSchema, r.Value, names); err != nil {
		return r, true, err
	}
	if t.dropFromKey {
		if r.KeySchema, r.Key, err = t.dropFrom(r.KeySchema, r.Key, names); err != nil {
			return r, true, err
		}
	}
	return r, true, nil
}

func (t *unwrap) dropFrom(s *record.Schema, v any, names []string) (*record.Schema, any, error) {
	st, ok := v.(*record.Struct)
	if !ok || st == nil || s == nil || s.Type != record.StructType {
		return s, v, nil
	}
	drop := func(f record.Field) bool {
		return slices.Contains(names, f.Name) && (!t.dropCompatible || f.Schema.Optional)
	}
	ns, err := t.cached(unwrapKey{row: s, extra: "drop:" + strings.Join(names, ",")}, func() (*record.Schema, error) {
		out := structLike(s)
		for _, f := range s.Fields {
			if !drop(f) {
				_ = addField(out, f.Name, f.Schema)
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, nil, err
	}
	nv := record.NewStruct(ns)
	j := 0
	for i, f := range s.Fields {
		if !drop(f) {
			nv.PutAt(j, st.RawAt(i))
			j++
		}
	}
	return ns, nv, nil
}

// applyMap unwraps a schemaless envelope.
func (t *unwrap) applyMap(r record.Record, env map[string]any) (record.Record, bool, error) {
	lookup := func(ref fieldRef) (any, bool) {
		if ref.parent != "" {
			if p, ok := env[ref.parent].(map[string]any); ok {
				if v, ok := p[ref.field]; ok {
					return v, true
				}
			}
		}
		v, ok := env[ref.field]
		return v, ok
	}
	if len(t.headers) > 0 {
		hs := cloneHeaders(r.Headers)
		for _, h := range t.headers {
			if v, ok := lookup(h); ok {
				hs = append(hs, record.Header{Key: h.out, Value: v})
			}
		}
		r.Headers = hs
	}
	after, before := env["after"], env["before"]
	row := after
	deleted := ""
	if t.modes.rewrite {
		deleted = "false"
	}
	if after == nil {
		if before == nil {
			return r, false, nil
		}
		switch t.modes.onDelete {
		case deleteDrop:
			return r, false, nil
		case deleteNullValue, deleteTombstone:
			r.Value = nil
			return r, true, nil
		}
		row, deleted = before, "true"
	}
	m, err := requireMap(row, "ExtractNewRecordState row state")
	if err != nil {
		return r, true, err
	}
	if t.routeBy != "" {
		if s, ok := m[t.routeBy].(string); ok && s != "" {
			r.Topic = s
		}
	}
	out := cloneMap(m)
	for _, ref := range t.fields {
		if v, ok := lookup(ref); ok {
			out[ref.out] = v
		}
	}
	if deleted != "" {
		out[deletedField] = deleted
	}
	r.Value = out
	return r, true, nil
}
