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
	var kept []record.Header
	for _, h := range r.Headers {
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
	r.Headers = append(cloneHeaders(r.Headers), t.h)
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
	cache           schemaCache
}

func (t *headerFrom) Apply(r record.Record) (record.Record, bool, error) {
	sch, v := t.side.get(r)
	if v == nil {
		return r, true, nil
	}
	hs := cloneHeaders(r.Headers)
	if sch == nil {
		m, err := requireMap(v, "header "+t.op())
		if err != nil {
			return r, true, err
		}
		var out map[string]any
		if t.move {
			out = make(map[string]any, len(m))
			for k, e := range m {
				out[k] = e
			}
		}
		for i, f := range t.fields {
			hs = append(hs, record.Header{Key: t.headers[i], Value: m[f]})
			if t.move {
				delete(out, f)
			}
		}
		r.Headers = hs
		if t.move {
			return t.side.with(r, nil, out), true, nil
		}
		return r, true, nil
	}
	st, err := requireStruct(v, "header "+t.op())
	if err != nil {
		return r, true, err
	}
	for i, f := range t.fields {
		fd := sch.Field(f)
		if fd == nil {
			return r, true, fmt.Errorf("field %q does not exist in %s schema %s", f, t.side, sch)
		}
		hs = append(hs, record.Header{Key: t.headers[i], Schema: fd.Schema, Value: fieldValue(st, fd.Index, t.replaceNull)})
	}
	r.Headers = hs
	if !t.move {
		return r, true, nil
	}
	ns, err := t.cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
		out := structLike(in)
		for _, f := range in.Fields {
			if !slices.Contains(t.fields, f.Name) {
				_ = addField(out, f.Name, f.Schema)
			}
		}
		return out, nil
	})
	if err != nil {
		return r, true, err
	}
	nv := record.NewStruct(ns)
	for i, f := range ns.Fields {
		nv.PutAt(i, fieldValue(st, sch.Field(f.Name).Index, t.replaceNull))
	}
	return t.side.with(r, ns, nv), true, nil
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
