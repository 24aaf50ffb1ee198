package transforms

import (
	"fmt"
	"maps"
	"slices"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Flatten$Key / Flatten$Value: nested structs (with a schema) or nested
// maps (schemaless) become top-level fields named by joining the path with
// delimiter. Arrays, and maps under a schema, are kept as they are. A field
// under an optional struct becomes optional; a parent's default supplies
// the child's default. A null value stays null (with the flattened schema).

func flattenPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().Define(sdk.Key{Name: "delimiter", Type: sdk.String, Default: ".", Importance: sdk.Medium,
			Doc: "Delimiter to insert between field names from the input record when generating field names for the output record"})
	}
	return variants("Flatten", def, func(s side, c conf) (Transformation, error) {
		t := &flatten{delim: c.str("delimiter")}
		return sideTransform{side: s, fn: t.apply}, nil
	})
}

type flatten struct {
	delim string
	cache schemaCache
}

func (t *flatten) name(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + t.delim + field
}

func (t *flatten) apply(_ record.Record, sch *record.Schema, v any) (*record.Schema, any, error) {
	if sch == nil {
		if v == nil {
			return nil, nil, nil
		}
		m, err := requireMap(v, "flattening")
		if err != nil {
			return nil, nil, err
		}
		if out, ok := t.flattenFast(m); ok {
			return nil, out, nil
		}
		// A collision: walk in sorted order, so that of several the
		// same one is reported every time.
		out := make(map[string]any, len(m))
		if err := t.flattenMap(m, "", out, true); err != nil {
			return nil, nil, err
		}
		return nil, out, nil
	}
	if err := requireStructSchema(sch, "flattening"); err != nil {
		return nil, nil, err
	}
	ns, err := t.cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
		out := structLike(in)
		if err := t.flattenSchema(in, "", in.Optional, in.Default, out); err != nil {
			return nil, err
		}
		return out, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return ns, nil, nil
	}
	st, err := requireStruct(v, "flattening")
	if err != nil {
		return nil, nil, err
	}
	nv := record.NewStruct(ns)
	i := 0
	t.flattenStruct(st, &i, nv)
	return ns, nv, nil
}

// flattenFast clones m and replaces its nested maps by their leaves (most
// entries of a record are leaves already). ok=false on a collision.
func (t *flatten) flattenFast(m map[string]any) (out map[string]any, ok bool) {
	out = cloneMap(m)
	nested := false
	for k, v := range m {
		switch v.(type) {
		case map[string]any, map[any]any:
			delete(out, k)
			nested = true
		}
	}
	if !nested {
		return out, true
	}
	for k, v := range m {
		var err error
		switch x := v.(type) {
		case map[string]any:
			err = t.flattenMap(x, k, out, false)
		case map[any]any:
			sub, _ := requireMap(x, "flattening")
			err = t.flattenMap(sub, k, out, false)
		}
		if err != nil {
			return nil, false
		}
	}
	return out, true
}

// flattenMap writes m's leaves into out. Map order does not matter unless
// two paths yield the same name; sorted (slower) makes that error
// deterministic.
func (t *flatten) flattenMap(m map[string]any, prefix string, out map[string]any, sorted bool) error {
	leaf := func(k string, v any) error {
		name := t.name(prefix, k)
		switch x := v.(type) {
		case map[string]any:
			return t.flattenMap(x, name, out, sorted)
		case map[any]any:
			sub, _ := requireMap(x, "flattening")
			return t.flattenMap(sub, name, out, sorted)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("flattening yields the field %q twice", name)
		}
		out[name] = v
		return nil
	}
	if !sorted {
		for k, v := range m {
			if err := leaf(k, v); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := leaf(k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

func (t *flatten) flattenSchema(s *record.Schema, prefix string, optional bool, parentDefault any, out *record.Schema) error {
	def, _ := parentDefault.(*record.Struct)
	for _, f := range s.Fields {
		name := t.name(prefix, f.Name)
		var childDefault any
		if def != nil {
			childDefault = def.RawAt(f.Index)
		}
		if f.Schema.Type == record.StructType {
			d := childDefault
			if d == nil {
				d = f.Schema.Default
			}
			if err := t.flattenSchema(f.Schema, name, optional || f.Schema.Optional, d, out); err != nil {
				return err
			}
			continue
		}
		fs := f.Schema
		if (optional && !fs.Optional) || childDefault != nil {
			c := *fs
			c.Optional = c.Optional || optional
			if childDefault != nil {
				c.Default = childDefault
			}
			fs = &c
		}
		if err := addField(out, name, fs); err != nil {
			return err
		}
	}
	return nil
}

// flattenStruct writes st's leaves into nv in schema order; a null nested
// struct contributes nulls.
func (t *flatten) flattenStruct(st *record.Struct, i *int, nv *record.Struct) {
	t.walk(st.Schema(), st, i, nv)
}

func (t *flatten) walk(s *record.Schema, st *record.Struct, i *int, nv *record.Struct) {
	for _, f := range s.Fields {
		var v any
		if st != nil {
			v = st.RawAt(f.Index)
		}
		if f.Schema.Type == record.StructType {
			sub, _ := v.(*record.Struct)
			t.walk(f.Schema, sub, i, nv)
			continue
		}
		nv.PutAt(*i, v)
		*i++
	}
}
