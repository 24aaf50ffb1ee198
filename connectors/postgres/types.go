package postgres

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/record"
)

// Debezium's semantic type names (time.precision.mode=adaptive).
const (
	nameDate            = "io.debezium.time.Date"
	nameTime            = "io.debezium.time.Time"
	nameMicroTime       = "io.debezium.time.MicroTime"
	nameTimestamp       = "io.debezium.time.Timestamp"
	nameMicroTimestamp  = "io.debezium.time.MicroTimestamp"
	nameZonedTimestamp  = "io.debezium.time.ZonedTimestamp"
	nameZonedTime       = "io.debezium.time.ZonedTime"
	nameMicroDuration   = "io.debezium.time.MicroDuration"
	nameUUID            = "io.debezium.data.Uuid"
	nameJSON            = "io.debezium.data.Json"
	nameXML             = "io.debezium.data.Xml"
	nameEnum            = "io.debezium.data.Enum"
	nameVariableDecimal = "io.debezium.data.VariableScaleDecimal"
)

// pgType is what the catalog says about a type, domains resolved to their
// base type.
type pgType struct {
	name   string  // typname of the base type, e.g. "int4"
	typmod int32   // a domain's typmod, -1 otherwise
	enum   string  // comma-separated labels of an enum
	elem   *pgType // element of an array
}

// converter turns a column's text form (what pgoutput and a text-format
// query send) into the Go value of its schema.
type converter struct {
	schema *record.Schema // optional (nullable) variant; required made by column
	decode func(string) (any, error)
}

// newConverter maps a type to its Kafka Connect schema as Debezium does.
func newConverter(t *pgType, typmod int32, decimalMode string) converter {
	if typmod < 0 && t.typmod >= 0 {
		typmod = t.typmod
	}
	named := func(typ record.Type, name string) *record.Schema {
		return &record.Schema{Type: typ, Name: name, Version: 1, Optional: true}
	}
	plain := func(typ record.Type) *record.Schema { return &record.Schema{Type: typ, Optional: true} }
	str := func(s string) (any, error) { return s, nil }
	switch {
	case t.elem != nil:
		ec := newConverter(t.elem, -1, decimalMode)
		return converter{schema: &record.Schema{Type: record.Array, Optional: true, ValueSchema: ec.schema},
			decode: func(s string) (any, error) { return decodeArray(s, ec.decode) }}
	case t.enum != "":
		s := named(record.String, nameEnum)
		s.Parameters = map[string]string{"allowed": t.enum}
		return converter{schema: s, decode: str}
	}
	switch t.name {
	case "int2":
		return converter{plain(record.Int16), func(s string) (any, error) {
			n, err := strconv.ParseInt(s, 10, 16)
			return int16(n), err
		}}
	case "int4":
		return converter{plain(record.Int32), func(s string) (any, error) {
			n, err := strconv.ParseInt(s, 10, 32)
			return int32(n), err
		}}
	case "int8", "oid", "xid8":
		return converter{plain(record.Int64), func(s string) (any, error) { return strconv.ParseInt(s, 10, 64) }}
	case "float4":
		return converter{plain(record.Float32), func(s string) (any, error) {
			f, err := strconv.ParseFloat(s, 32)
			return float32(f), err
		}}
	case "float8":
		return converter{plain(record.Float64), func(s string) (any, error) { return strconv.ParseFloat(s, 64) }}
	case "bool":
		return converter{plain(record.Boolean), func(s string) (any, error) { return s == "t" || s == "true", nil }}
	case "bytea":
		return converter{plain(record.Bytes), decodeBytea}
	case "uuid":
		return converter{named(record.String, nameUUID), str}
	case "json", "jsonb":
		return converter{named(record.String, nameJSON), str}
	case "xml":
		return converter{named(record.String, nameXML), str}
	case "numeric":
		return numericConverter(typmod, decimalMode)
	case "date":
		return converter{named(record.Int32, nameDate), decodeDate}
	case "time":
		if typmod >= 0 && typmod <= 3 {
			return converter{named(record.Int32, nameTime), func(s string) (any, error) {
				us, err := parseTimeOfDay(s)
				return int32(us / 1000), err
			}}
		}
		return converter{named(record.Int64, nameMicroTime), func(s string) (any, error) { return parseTimeOfDay(s) }}
	case "timetz":
		return converter{named(record.String, nameZonedTime), decodeTimetz}
	case "timestamp":
		if typmod >= 0 && typmod <= 3 {
			return converter{named(record.Int64, nameTimestamp), func(s string) (any, error) {
				us, err := parseTimestamp(s)
				return floorDiv(us, 1000), err
			}}
		}
		return converter{named(record.Int64, nameMicroTimestamp), func(s string) (any, error) { return parseTimestamp(s) }}
	case "timestamptz":
		return converter{named(record.String, nameZonedTimestamp), decodeTimestamptz}
	case "interval":
		return converter{named(record.Int64, nameMicroDuration), decodeInterval}
	}
	// Everything else (text, varchar, bpchar, name, inet, ranges, …) as its text form.
	return converter{plain(record.String), str}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func decodeBytea(s string) (any, error) {
	if !strings.HasPrefix(s, `\x`) {
		return nil, fmt.Errorf("bytea %.20q: want hex format (bytea_output=hex)", s)
	}
	return hex.DecodeString(s[2:])
}

// variableDecimalSchema is Debezium's VariableScaleDecimal: numeric without
// a declared scale keeps each value's own scale.
var variableDecimalSchema = record.NewStructSchema(nameVariableDecimal).Version(1).Optional().
	Doc("Variable scaled decimal").
	Field("scale", record.Int32Schema()).
	Field("value", record.BytesSchema()).Build()

func numericConverter(typmod int32, mode string) converter {
	switch mode {
	case DecimalDouble:
		return converter{&record.Schema{Type: record.Float64, Optional: true}, func(s string) (any, error) {
			return strconv.ParseFloat(s, 64)
		}}
	case DecimalString:
		return converter{&record.Schema{Type: record.String, Optional: true}, func(s string) (any, error) { return s, nil }}
	}
	if typmod < 4 { // numeric without precision and scale
		return converter{variableDecimalSchema, func(s string) (any, error) {
			if special(s) {
				return nil, nil
			}
			d, err := record.ParseDecimal(s)
			if err != nil {
				return nil, err
			}
			return record.NewStruct(variableDecimalSchema).Put("scale", d.Scale).Put("value", record.DecimalBytes(d.Unscaled)), nil
		}}
	}
	precision, scale := (typmod-4)>>16, (typmod-4)&0xffff
	sc := record.OptionalDecimalSchema(int(scale))
	sc.Parameters["connect.decimal.precision"] = strconv.Itoa(int(precision))
	return converter{sc, func(s string) (any, error) {
		if special(s) {
			return nil, nil // Debezium: NaN and ±Infinity have no Decimal form
		}
		d, err := record.ParseDecimal(s)
		if err != nil {
			return nil, err
		}
		return rescale(d, scale), nil
	}}
}

func special(s string) bool { return s == "NaN" || s == "Infinity" || s == "-Infinity" }

func rescale(d record.Decimal, scale int32) record.Decimal {
	for d.Scale < scale {
		d.Unscaled = new(big.Int).Mul(d.Unscaled, big.NewInt(10))
		d.Scale++
	}
	return d
}

// decodeArray parses a one-dimensional array literal ({a,"b c",NULL}),
// decoding each element with elem.
func decodeArray(s string, elem func(string) (any, error)) (any, error) {
	if strings.HasPrefix(s, "[") { // explicit bounds: [0:2]={…}
		if i := strings.IndexByte(s, '='); i > 0 {
			s = s[i+1:]
		}
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("array %.40q: bad format", s)
	}
	body := s[1 : len(s)-1]
	out := []any{}
	if body == "" {
		return out, nil
	}
	for i := 0; i <= len(body); {
		if i < len(body) && body[i] == '{' {
			return nil, fmt.Errorf("array %.40q: multi-dimensional arrays are not supported", s)
		}
		var raw string
		quoted := i < len(body) && body[i] == '"'
		if quoted {
			var b strings.Builder
			j := i + 1
			for ; j < len(body) && body[j] != '"'; j++ {
				if body[j] == '\\' && j+1 < len(body) {
					j++
				}
				b.WriteByte(body[j])
			}
			raw, i = b.String(), j+1
		} else {
			j := strings.IndexByte(body[i:], ',')
			if j < 0 {
				j = len(body) - i
			}
			raw, i = body[i:i+j], i+j
		}
		if !quoted && raw == "NULL" {
			out = append(out, nil)
		} else {
			v, err := elem(raw)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if i < len(body) && body[i] != ',' {
			return nil, fmt.Errorf("array %.40q: bad format", s)
		}
		i++
	}
	return out, nil
}

// zero is Debezium's fallback for a null in a required field (a delete's
// before image without REPLICA IDENTITY FULL carries only the key).
func zero(s *record.Schema) any {
	switch s.Type {
	case record.Int8:
		return int8(0)
	case record.Int16:
		return int16(0)
	case record.Int32:
		return int32(0)
	case record.Int64:
		return int64(0)
	case record.Float32:
		return float32(0)
	case record.Float64:
		return float64(0)
	case record.Boolean:
		return false
	case record.String:
		return ""
	case record.Bytes:
		if record.LogicalOf(s) == record.LogicalDecimal {
			sc, _ := record.DecimalScale(s)
			return record.NewDecimal(0, sc)
		}
		return []byte{}
	case record.Array:
		return []any{}
	case record.StructType:
		st := record.NewStruct(s)
		for i, f := range s.Fields {
			if !f.Schema.Optional {
				st.PutAt(i, zero(f.Schema))
			}
		}
		return st
	}
	return nil
}
