package transforms

import (
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// SetSchemaMetadata$Key / SetSchemaMetadata$Value: set the schema's name
// and/or version. A Struct value is rebuilt on the new schema. Schemaless
// records are an error, as in Kafka.

func setSchemaMetadataPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "schema.name", Type: sdk.String, Importance: sdk.High, Doc: "Schema name to set."}).
			Define(sdk.Key{Name: "schema.version", Type: sdk.Int, Importance: sdk.High, Doc: "Schema version to set."}).
			Define(replaceNullKey())
	}
	return variants("SetSchemaMetadata", def, func(s side, c conf) (Transformation, error) {
		hasName, hasVersion := c.has("schema.name"), c.has("schema.version")
		if !hasName && !hasVersion {
			return nil, optErrorf("schema.name", "neither schema name nor version configured")
		}
		name, version := c.str("schema.name"), int32(c.int("schema.version"))
		replaceNull := c.bool(replaceNullWithDefault)
		cache := &schemaCache{}
		return sideTransform{side: s, fn: func(_ record.Record, sch *record.Schema, v any) (*record.Schema, any, error) {
			if sch == nil {
				return nil, nil, fmt.Errorf("schema required for [updating schema metadata]")
			}
			ns, _ := cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
				c := *in
				c.Fields = slices.Clone(in.Fields)
				c.Parameters = cloneParams(in.Parameters)
				if hasName {
					c.Name = name
				}
				if hasVersion {
					c.Version = version
				}
				return &c, nil
			})
			st, ok := v.(*record.Struct)
			if !ok || st == nil || ns.Type != record.StructType {
				return ns, v, nil
			}
			nv := record.NewStruct(ns)
			for i := range ns.Fields {
				nv.PutAt(i, fieldValue(st, i, replaceNull))
			}
			return ns, nv, nil
		}}, nil
	})
}
