package transforms

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Cast$Key / Cast$Value: cast fields (spec=f1:int32,f2:string) or the whole
// value (spec=int64) to int8, int16, int32, int64, float32, float64,
// boolean or string. Input may be any primitive, bytes (to string only) or
// the logical types Decimal, Date, Time and Timestamp (with a schema).
// Arrays, maps and structs cannot be cast.

var castTargets = []record.Type{record.Int8, record.Int16, record.Int32, record.Int64,
	record.Float32, record.Float64, record.Boolean, record.String}

type castSpec struct {
	whole  record.Type // non-zero: cast the whole value
	fields map[string]record.Type
	order  []string
}

func parseCastSpec(items []string) (castSpec, error) {
	var cs castSpec
	if len(items) == 0 {
		return cs, fmt.Errorf("must specify at least one field to cast")
	}
	parseType := func(s string) (record.Type, error) {
		t, ok := record.ParseType(strings.ToLower(strings.TrimSpace(s)))
		if !ok || !containsType(castTargets, t) {
			return 0, fmt.Errorf("invalid type found in casting spec: %s (want one of int8, int16, int32, int64, float32, float64, boolean, string)", strings.TrimSpace(s))
		}
		return t, nil
	}
	for _, it := range items {
		field, typ, ok := strings.Cut(it, ":")
		if !ok {
			if len(items) != 1 {
				return cs, fmt.Errorf("cast spec %q: a whole-value cast must be the only item", it)
			}
			t, err := parseType(it)
			if err != nil {
				return cs, err
			}
			cs.whole = t
			return cs, nil
		}
		field = strings.TrimSpace(field)
		if field == "" || strings.Contains(typ, ":") {
			return cs, fmt.Errorf("invalid cast mapping: %s (want field:type)", it)
		}
		t, err := parseType(typ)
		if err != nil {
			return cs, err
		}
		if cs.fields == nil {
			cs.fields = map[string]record.Type{}
		}
		if _, dup := cs.fields[field]; !dup {
			cs.order = append(cs.order, field)
		}
		cs.fields[field] = t
	}
	return cs, nil
}

func containsType(ts []record.Type, t record.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func castPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "spec", Type: sdk.List, Required: true, Importance: sdk.High,
				Doc:       "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string.",
				Validator: func(v string) error { _, err := parseCastSpec(splitList(v)); return err }}).
			Define(replaceNullKey())
	}
	return variants("Cast", def, func(s side, c conf) (Transformation, error) {
		cs, err := parseCastSpec(c.list("spec"))
		if err != nil {
			return nil, optErrorf("spec", "%v", err)
		}
		t := &cast{spec: cs, replaceNull: c.bool(replaceNullWithDefault)}
		return sideTransform{side: s, fn: t.apply}, nil
	})
}

type cast struct {
	spec        castSpec
	replaceNull bool
	cache       schemaCache
	plans       derivedCache[[]record.Type]
}

func castSchema(in *record.Schema, target record.Type) (*record.Schema, error) {
	out := &record.Schema{Type: target, Optional: in.Optional}
	if in.Default != nil {
		d, err := castValue(in, in.Default, target)
		if err != nil {
			return nil, fmt.Errorf("default value: %w", err)
		}
		out.Default = d
	}
	return out, nil
}

func (t *cast) apply(_ record.Record, sch *record.Schema, v any) (*record.Schema, any, error) {
	if t.spec.whole != 0 {
		if sch == nil {
			out, err := castValue(nil, v, t.spec.whole)
			return nil, out, err
		}
		ns, err := t.cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
			if !in.Type.IsPrimitive() {
				return nil, fmt.Errorf("cast transformation does not support casting to/from %s", in.Type)
			}
			return castSchema(in, t.spec.whole)
		})
		if err != nil {
			return nil, nil, err
		}
		out, err := castValue(sch, v, t.spec.whole)
		return ns, out, err
	}
	if sch == nil {
		if v == nil {
			return nil, nil, nil
		}
		m, err := requireMap(v, "cast types")
		if err != nil {
			return nil, nil, err
		}
		out := cloneMap(m)
		for _, f := range t.spec.order {
			cv, err := castValue(nil, m[f], t.spec.fields[f])
			if err != nil {
				return nil, nil, fmt.Errorf("field %q: %w", f, err)
			}
			out[f] = cv
		}
		return nil, out, nil
	}
	if err := requireStructSchema(sch, "cast types"); err != nil {
		return nil, nil, err
	}
	ns, err := t.cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
		out := structLike(in)
		for _, f := range in.Fields {
			fs := f.Schema
			if target, ok := t.spec.fields[f.Name]; ok {
				if !fs.Type.IsPrimitive() {
					return nil, fmt.Errorf("field %q: cast transformation does not support casting to/from %s", f.Name, fs.Type)
				}
				var err error
				if fs, err = castSchema(fs, target); err != nil {
					return nil, fmt.Errorf("field %q: %w", f.Name, err)
				}
			}
			_ = addField(out, f.Name, fs)
		}
		return out, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return ns, nil, nil
	}
	st, err := requireStruct(v, "cast types")
	if err != nil {
		return nil, nil, err
	}
	// targets[i] is field i's cast type, 0 for none.
	targets, _ := t.plans.get(sch, func(in *record.Schema) ([]record.Type, error) {
		ts := make([]record.Type, len(in.Fields))
		for i, f := range in.Fields {
			ts[i] = t.spec.fields[f.Name]
		}
		return ts, nil
	})
	nv := record.NewStruct(ns)
	for i, f := range sch.Fields {
		fv := fieldValue(st, i, t.replaceNull)
		if targets[i] != 0 {
			if fv, err = castValue(f.Schema, fv, targets[i]); err != nil {
				return nil, nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		nv.PutAt(i, fv)
	}
	return ns, nv, nil
}
