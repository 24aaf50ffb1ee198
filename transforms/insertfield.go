package transforms

import (
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// InsertField$Key / InsertField$Value: add the record's topic, partition,
// offset, timestamp or a static string as fields. A field name ending in
// "!" makes the field required, "?" (or nothing) optional. Tombstones (a
// null key or value) pass unchanged.
//
// Deviation: offset.field is filled from Record.Offset for every record
// (Kafka rejects it on source records, which have no Kafka offset yet).

func insertFieldPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		d := sdk.NewConfigDef()
		for _, k := range []struct{ name, doc string }{
			{"topic.field", "Field name for Kafka topic. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
			{"partition.field", "Field name for Kafka partition. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
			{"offset.field", "Field name for Kafka offset - only applicable to sink connectors. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
			{"timestamp.field", "Field name for record timestamp. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
			{"static.field", "Field name for static data field. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
			{"static.value", "Static field value, if field name configured."},
		} {
			d.Define(sdk.Key{Name: k.name, Type: sdk.String, Importance: sdk.Medium, Doc: k.doc})
		}
		return d.Define(replaceNullKey())
	}
	return variants("InsertField", def, func(s side, c conf) (Transformation, error) {
		t := &insertField{side: s, replaceNull: c.bool(replaceNullWithDefault)}
		for _, o := range []struct {
			opt string
			dst *insertSpec
		}{{"topic.field", &t.topic}, {"partition.field", &t.partition}, {"offset.field", &t.offset},
			{"timestamp.field", &t.timestamp}, {"static.field", &t.static}} {
			*o.dst = parseInsertSpec(c.str(o.opt))
		}
		t.staticValue, t.hasStaticValue = c.m["static.value"]
		return t, nil
	})
}

type insertSpec struct {
	name     string // "" = not inserted
	optional bool
}

func parseInsertSpec(v string) insertSpec {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return insertSpec{}
	case strings.HasSuffix(v, "!"):
		return insertSpec{name: v[:len(v)-1]}
	case strings.HasSuffix(v, "?"):
		return insertSpec{name: v[:len(v)-1], optional: true}
	}
	return insertSpec{name: v, optional: true}
}

func (s insertSpec) schema(base func() *record.Schema) *record.Schema {
	sc := base()
	sc.Optional = s.optional
	return sc
}

type insertField struct {
	side                                        side
	topic, partition, offset, timestamp, static insertSpec
	staticValue                                 string
	hasStaticValue                              bool
	replaceNull                                 bool
	cache                                       schemaCache
}

const insertPurpose = "field insertion"

// inserted is one field InsertField adds.
type inserted struct {
	spec insertSpec
	sch  func() *record.Schema
	v    any
}

// values returns the inserted fields in Kafka's order; only configured
// fields get a value (boxing the others would allocate for nothing).
func (t *insertField) values(r record.Record) [5]inserted {
	ins := [5]inserted{
		{spec: t.topic, sch: record.StringSchema},
		{spec: t.partition, sch: record.Int32Schema},
		{spec: t.offset, sch: record.Int64Schema},
		{spec: t.timestamp, sch: record.TimestampSchema},
		{spec: t.static, sch: record.StringSchema},
	}
	if t.topic.name != "" {
		ins[0].v = r.Topic
	}
	if t.partition.name != "" {
		ins[1].v = r.Partition
	}
	if t.offset.name != "" {
		ins[2].v = r.Offset
	}
	if t.timestamp.name != "" && !r.Timestamp.IsZero() {
		ins[3].v = r.Timestamp.UTC()
	}
	if t.static.name != "" && t.hasStaticValue {
		ins[4].v = t.staticValue
	}
	return ins
}

func (t *insertField) Apply(r record.Record) (record.Record, bool, error) {
	sch, v := t.side.get(r)
	if v == nil {
		return r, true, nil
	}
	ins := t.values(r)
	if sch == nil {
		m, err := requireMap(v, insertPurpose)
		if err != nil {
			return r, true, err
		}
		out := cloneMap(m)
		for _, f := range ins {
			if f.spec.name != "" {
				out[f.spec.name] = f.v
			}
		}
		return t.side.with(r, nil, out), true, nil
	}
	st, err := requireStruct(v, insertPurpose)
	if err != nil {
		return r, true, err
	}
	ns, err := t.cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
		out := structLike(in)
		for _, f := range in.Fields {
			_ = addField(out, f.Name, f.Schema)
		}
		for _, f := range ins {
			if f.spec.name != "" {
				if err := addField(out, f.spec.name, f.spec.schema(f.sch)); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	})
	if err != nil {
		return r, true, err
	}
	nv := record.NewStruct(ns)
	for i := range sch.Fields {
		nv.PutAt(i, fieldValue(st, i, t.replaceNull))
	}
	i := len(sch.Fields)
	for _, f := range ins {
		if f.spec.name != "" {
			nv.PutAt(i, f.v)
			i++
		}
	}
	return t.side.with(r, ns, nv), true, nil
}
