package transforms

import (
	"fmt"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// ExtractField, HoistField and ValueToKey: moving a whole value into or out
// of a field.

func extractFieldPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "field", Type: sdk.String, Required: true, Importance: sdk.Medium,
				Doc: "Field name to extract.", Validator: sdk.NonEmpty}).
			Define(fieldSyntaxKey()).
			Define(replaceNullKey())
	}
	return variants("ExtractField", def, func(s side, c conf) (Transformation, error) {
		p, err := parseFieldPath(c.str("field"), c.str(fieldSyntaxVersion) == "V2" || c.str(fieldSyntaxVersion) == "v2")
		if err != nil {
			return nil, optErrorf("field", "%v", err)
		}
		replaceNull := c.bool(replaceNullWithDefault)
		return sideTransform{side: s, fn: func(_ record.Record, sch *record.Schema, v any) (*record.Schema, any, error) {
			if sch == nil {
				if v == nil {
					return nil, nil, nil
				}
				m, err := requireMap(v, "field extraction")
				if err != nil {
					return nil, nil, err
				}
				return nil, p.mapValue(m), nil
			}
			if err := requireStructSchema(sch, "field extraction"); err != nil {
				return nil, nil, err
			}
			fs, err := p.schemaOf(sch)
			if err != nil {
				return nil, nil, err
			}
			if v == nil {
				return fs, nil, nil
			}
			st, err := requireStruct(v, "field extraction")
			if err != nil {
				return nil, nil, err
			}
			return fs, p.structValue(st, replaceNull), nil
		}}, nil
	})
}

func hoistFieldPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().Define(sdk.Key{Name: "field", Type: sdk.String, Required: true, Importance: sdk.Medium,
			Doc: "Field name for the single field that will be created in the resulting Struct or Map.", Validator: sdk.NonEmpty})
	}
	return variants("HoistField", def, func(s side, c conf) (Transformation, error) {
		name := c.str("field")
		cache := &schemaCache{}
		return sideTransform{side: s, fn: func(_ record.Record, sch *record.Schema, v any) (*record.Schema, any, error) {
			if sch == nil {
				return nil, map[string]any{name: v}, nil
			}
			ns, _ := cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
				return &record.Schema{Type: record.StructType, Fields: []record.Field{{Name: name, Schema: in}}}, nil
			})
			if v == nil && !sch.Optional && sch.Default == nil {
				return nil, nil, fmt.Errorf("cannot hoist a null value of the required schema %s into field %q", sch, name)
			}
			return ns, record.NewStruct(ns).PutAt(0, v), nil
		}}, nil
	})
}

func valueToKeyPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "fields", Type: sdk.List, Required: true, Importance: sdk.High,
				Doc: "Field names on the record value to extract as the record key.", Validator: nonEmptyList}).
			Define(replaceNullKey())
	}
	return []Plugin{single("ValueToKey", def, func(c conf) (Transformation, error) {
		return &valueToKey{fields: c.list("fields"), replaceNull: c.bool(replaceNullWithDefault)}, nil
	})}
}

type valueToKey struct {
	fields      []string
	replaceNull bool
	cache       schemaCache
}

const valueToKeyPurpose = "copying fields from value to key"

func (t *valueToKey) Apply(r record.Record) (record.Record, bool, error) {
	if r.ValueSchema == nil {
		m, err := requireMap(r.Value, valueToKeyPurpose)
		if err != nil {
			return r, true, err
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = m[f]
		}
		r.KeySchema, r.Key = nil, key
		return r, true, nil
	}
	st, err := requireStruct(r.Value, valueToKeyPurpose)
	if err != nil {
		return r, true, err
	}
	ks, err := t.cache.get(r.ValueSchema, func(in *record.Schema) (*record.Schema, error) {
		out := &record.Schema{Type: record.StructType}
		for _, f := range t.fields {
			fd := in.Field(f)
			if fd == nil {
				return nil, fmt.Errorf("field does not exist: %s", f)
			}
			if err := addField(out, f, fd.Schema); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
	if err != nil {
		return r, true, err
	}
	key := record.NewStruct(ks)
	for i, f := range t.fields {
		key.PutAt(i, fieldValue(st, r.ValueSchema.Field(f).Index, t.replaceNull))
	}
	r.KeySchema, r.Key = ks, key
	return r, true, nil
}
