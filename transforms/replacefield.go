package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// ReplaceField$Key / ReplaceField$Value: keep (include), drop (exclude) and
// rename fields. exclude wins over include; renames apply to the fields
// kept. The pre-3.0 names blacklist and whitelist are accepted for exclude
// and include. Tombstones pass unchanged.

func replaceFieldPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "exclude", Type: sdk.List, Importance: sdk.Medium,
				Doc: "Fields to exclude. This takes precedence over the fields to include."}).
			Define(sdk.Key{Name: "include", Type: sdk.List, Importance: sdk.Medium,
				Doc: "Fields to include. If specified, only these fields will be used."}).
			Define(sdk.Key{Name: "renames", Type: sdk.List, Importance: sdk.Medium,
				Doc: "Field rename mappings.", Validator: func(v string) error { _, err := parseRenames(splitList(v)); return err }}).
			Define(sdk.Key{Name: "blacklist", Type: sdk.List, Importance: sdk.Low, Doc: "Deprecated. Use exclude instead."}).
			Define(sdk.Key{Name: "whitelist", Type: sdk.List, Importance: sdk.Low, Doc: "Deprecated. Use include instead."}).
			Define(replaceNullKey())
	}
	return variants("ReplaceField", def, func(s side, c conf) (Transformation, error) {
		renames, err := parseRenames(c.list("renames"))
		if err != nil {
			return nil, optErrorf("renames", "%v", err)
		}
		t := &replaceField{side: s, exclude: c.list("exclude"), include: c.list("include"),
			renames: renames, replaceNull: c.bool(replaceNullWithDefault)}
		if !c.has("exclude") {
			t.exclude = c.list("blacklist")
		}
		if !c.has("include") {
			t.include = c.list("whitelist")
		}
		return t, nil
	})
}

func parseRenames(items []string) (map[string]string, error) {
	m := make(map[string]string, len(items))
	for _, it := range items {
		from, to, ok := strings.Cut(it, ":")
		if !ok || from == "" || to == "" || strings.Contains(to, ":") {
			return nil, fmt.Errorf("invalid rename mapping: %s (want old:new)", it)
		}
		m[from] = to
	}
	return m, nil
}

type replaceField struct {
	side             side
	exclude, include []string
	renames          map[string]string
	replaceNull      bool
	plans            derivedCache[replacePlan]
}

func (t *replaceField) keep(name string) bool {
	return !slices.Contains(t.exclude, name) && (len(t.include) == 0 || slices.Contains(t.include, name))
}

func (t *replaceField) rename(name string) string {
	if n, ok := t.renames[name]; ok {
		return n
	}
	return name
}

const replacePurpose = "field replacement"

func (t *replaceField) Apply(r record.Record) (record.Record, bool, error) {
	sch, v := t.side.get(r)
	if v == nil {
		return r, true, nil
	}
	if sch == nil {
		m, err := requireMap(v, replacePurpose)
		if err != nil {
			return r, true, err
		}
		return t.side.with(r, nil, t.replaceMap(m)), true, nil
	}
	st, err := requireStruct(v, replacePurpose)
	if err != nil {
		return r, true, err
	}
	p, err := t.plans.get(sch, func(in *record.Schema) (replacePlan, error) {
		p := replacePlan{out: structLike(in)}
		for _, f := range in.Fields {
			if t.keep(f.Name) {
				if err := addField(p.out, t.rename(f.Name), f.Schema); err != nil {
					return p, err
				}
				p.kept = append(p.kept, f.Index)
			}
		}
		return p, nil
	})
	if err != nil {
		return r, true, err
	}
	nv := record.NewStruct(p.out)
	for j, i := range p.kept {
		nv.PutAt(j, fieldValue(st, i, t.replaceNull))
	}
	return t.side.with(r, p.out, nv), true, nil
}

// replacePlan is the output schema for one input schema and the input
// index of each output field.
type replacePlan struct {
	out  *record.Schema
	kept []int
}

// replaceMap applies the configuration to a schemaless value. Without an
// include list most entries stay, so the map is cloned and the excluded
// and renamed entries removed, then the renamed ones added: faster than
// building a new map. (When a rename's target is another kept key, the
// renamed value wins; Kafka's result then depends on map order.)
func (t *replaceField) replaceMap(m map[string]any) map[string]any {
	if len(t.include) > 0 {
		out := make(map[string]any, len(t.include))
		for k, e := range m {
			if t.keep(k) {
				out[t.rename(k)] = e
			}
		}
		return out
	}
	out := cloneMap(m)
	var buf [8]struct {
		name string
		v    any
	}
	renamed := buf[:0]
	for k, e := range m {
		if !t.keep(k) {
			delete(out, k)
		} else if n, ok := t.renames[k]; ok {
			delete(out, k)
			renamed = append(renamed, struct {
				name string
				v    any
			}{n, e})
		}
	}
	for _, rn := range renamed {
		out[rn.name] = rn.v
	}
	return out
}
