package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Header transformations: DropHeaders, InsertHeader, and HeaderFrom$Key /
// HeaderFrom$Value (copy or move fields into headers).

func dropHeadersPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().Define(sdk.Key{Name: "headers", Type: sdk.List, Required: true, Importance: sdk.High,
			Doc: "The name of the headers to be removed.", Validator: nonEmptyList})
	}
	return []Plugin{single("DropHeaders", def, func(c conf) (Transformation, error) {
		return dropHeaders{names: c.list("headers")}, nil
	})}
}

type dropHeaders struct{ names []string }

func (t dropHeaders) Apply(r record.Record) (record.Record, bool, error) {
	first := slices.IndexFunc(r.Headers, func(h record.Header) bool { return slices.Contains(t.names, h.Key) })
	if first < 0 {
		return r, true, nil // nothing to drop: the headers are shared, not changed
	}
	kept := make([]record.Header, first, len(r.Headers)-1)
	copy(kept, r.Headers[:first])
	for _, h := range r.Headers[first+1:] {
		if !slices.Contains(t.names, h.Key) {
			kept = append(kept, h)
		}
	}
	r.Headers = kept
	return r, true, nil
}

func insertHeaderPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "header", Type: sdk.String, Required: true, Importance: sdk.High,
				Doc: "The name of the header.", Validator: sdk.NonEmpty}).
			Define(sdk.Key{Name: "value.literal", Type: sdk.String, Required: true, Importance: sdk.High,
				Doc: "The literal value that is to be set as the header value on all records."})
	}
	return []Plugin{single("InsertHeader", def, func(c conf) (Transformation, error) {
		s, v := parseLiteral(c.str("value.literal"))
		return insertHeader{h: record.Header{Key: c.str("header"), Schema: s, Value: v}}, nil
	})}
}

type insertHeader struct{ h record.Header }

func (t insertHeader) Apply(r record.Record) (record.Record, bool, error) {
	r.Headers = append(headersWithRoom(r.Headers, 1), t.h)
	return r, true, nil
}

func headerFromPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "fields", Type: sdk.List, Required: true, Importance: sdk.High,
				Doc: "Field names in the record whose values are to be copied or moved to headers.", Validator: nonEmptyList}).
			Define(sdk.Key{Name: "headers", Type: sdk.List, Required: true, Importance: sdk.High,
				Doc: "Header names, in the same order as the field names listed in the fields configuration property.", Validator: nonEmptyList}).
			Define(sdk.Key{Name: "operation", Type: sdk.String, Required: true, Importance: sdk.High,
				Doc:       "Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value).",
				Validator: sdk.OneOf("move", "copy")}).
			Define(replaceNullKey())
	}
	return variants("HeaderFrom", def, func(s side, c conf) (Transformation, error) {
		t := &headerFrom{side: s, fields: c.list("fields"), headers: c.list("headers"),
			move: c.str("operation") == "move", replaceNull: c.bool(replaceNullWithDefault)}
		if len(t.fields) != len(t.headers) {
			return nil, optErrorf("headers", "'fields' config must have the same number of elements as 'headers' config (%d fields, %d headers)", len(t.fields), len(t.headers))
		}
		return t, nil
	})
}

type headerFrom struct {
	side            side
	fields, headers []string
	move            bool
	replaceNull     bool
	plans           derivedCache[headerFromPlan]
}

// headerFromPlan holds, for one input schema, the index of each of fields
// and (for move) the input index of each output field.
type headerFromPlan struct {
	fields []int
	kept   []int
	out    *record.Schema // move: the schema without the moved fields
}

func (t *headerFrom) plan(in *record.Schema) (headerFromPlan, error) {
	var p headerFromPlan
	for _, f := range t.fields {
		fd := in.Field(f)
		if fd == nil {
			return p, fmt.Errorf("field %q does not exist in %s schema %s", f, t.side, in)
		}
		p.fields = append(p.fields, fd.Index)
	}
	if !t.move {
		return p, nil
	}
	p.out = structLike(in)
	for _, f := range in.Fields {
		if !slices.Contains(t.fields, f.Name) {
			_ = addField(p.out, f.Name, f.Schema)
			p.kept = append(p.kept, f.Index)
		}
	}
	return p, nil
}

func (t *headerFrom) Apply(r record.Record) (record.Record, bool, error) {
	sch, v := t.side.get(r)
	if v == nil {
		return r, true, nil
	}
	hs := headersWithRoom(r.Headers, len(t.fields))
	if sch == nil {
		m, err := requireMap(v, "header "+t.op())
		if err != nil {
			return r, true, err
		}
		for i, f := range t.fields {
			hs = append(hs, record.Header{Key: t.headers[i], Value: m[f]})
		}
		r.Headers = hs
		if !t.move {
			return r, true, nil
		}
		out := cloneMap(m)
		for _, f := range t.fields {
			delete(out, f)
		}
		return t.side.with(r, nil, out), true, nil
	}
	st, err := requireStruct(v, "header "+t.op())
	if err != nil {
		return r, true, err
	}
	p, err := t.plans.get(sch, t.plan)
	if err != nil {
		return r, true, err
	}
	for i, fi := range p.fields {
		hs = append(hs, record.Header{Key: t.headers[i], Schema: sch.Fields[fi].Schema, Value: fieldValue(st, fi, t.replaceNull)})
	}
	r.Headers = hs
	if !t.move {
		return r, true, nil
	}
	nv := record.NewStruct(p.out)
	for i, fi := range p.kept {
		nv.PutAt(i, fieldValue(st, fi, t.replaceNull))
	}
	return t.side.with(r, p.out, nv), true, nil
}

func (t *headerFrom) op() string {
	if t.move {
		return "move"
	}
	return "copy"
}

// headerString is a helper for tests and ExtractNewRecordState.
func headerString(key, v string) record.Header {
	return record.Header{Key: key, Schema: record.StringSchema(), Value: strings.Clone(v)}
}
