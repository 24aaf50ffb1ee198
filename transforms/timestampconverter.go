package transforms

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// TimestampConverter$Key / TimestampConverter$Value: convert a timestamp
// field (or the whole value, when field is empty) between a formatted
// string, a Unix epoch number (unix.precision), and the Date, Time and
// Timestamp logical types. Schemaless inputs are recognised by Go type:
// time.Time is a Timestamp, an integer (or integral float64, as JSON gives)
// is Unix time, a string is parsed with format. All in UTC.

const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

func timestampConverterPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "target.type", Type: sdk.String, Required: true, Importance: sdk.High,
				Doc:       "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
				Validator: sdk.OneOf(tsString, tsUnix, tsDate, tsTime, tsTimestamp)}).
			Define(sdk.Key{Name: "field", Type: sdk.String, Default: "", Importance: sdk.High,
				Doc: "The field containing the timestamp, or empty if the entire value is a timestamp"}).
			Define(sdk.Key{Name: "format", Type: sdk.String, Default: "", Importance: sdk.Medium,
				Doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.",
				Validator: func(v string) error {
					if v == "" {
						return nil
					}
					return dateFormatValidator(v)
				}}).
			Define(sdk.Key{Name: "unix.precision", Type: sdk.String, Default: "milliseconds", Importance: sdk.Low,
				Doc:       "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.",
				Validator: sdk.OneOf("seconds", "milliseconds", "microseconds", "nanoseconds")}).
			Define(replaceNullKey())
	}
	return variants("TimestampConverter", def, func(s side, c conf) (Transformation, error) {
		t := &timestampConverter{target: c.str("target.type"), field: c.str("field"),
			precision: c.str("unix.precision"), replaceNull: c.bool(replaceNullWithDefault)}
		if f := c.str("format"); f != "" {
			layout, err := javaLayout(f)
			if err != nil {
				return nil, optErrorf("format", "%v", err)
			}
			t.layout = layout
		}
		if t.target == tsString && t.layout == "" {
			return nil, optErrorf("format", "TimestampConverter requires format option to be specified when using string timestamps")
		}
		return sideTransform{side: s, fn: t.apply}, nil
	})
}

type timestampConverter struct {
	target, field, layout, precision string
	replaceNull                      bool
	cache                            schemaCache
}

func (t *timestampConverter) targetSchema(optional bool) *record.Schema {
	var s *record.Schema
	switch t.target {
	case tsString:
		s = record.StringSchema()
	case tsUnix:
		s = record.Int64Schema()
	case tsDate:
		s = record.DateSchema()
	case tsTime:
		s = record.TimeSchema()
	default:
		s = record.TimestampSchema()
	}
	s.Optional = optional
	return s
}

func (t *timestampConverter) apply(_ record.Record, sch *record.Schema, v any) (*record.Schema, any, error) {
	if t.field == "" {
		if sch == nil {
			out, err := t.convert(nil, v)
			return nil, out, err
		}
		if _, err := inputKind(sch, nil); err != nil {
			return nil, nil, err
		}
		out, err := t.convert(sch, v)
		return t.targetSchema(sch.Optional), out, err
	}
	if sch == nil {
		if v == nil {
			return nil, nil, nil
		}
		m, err := requireMap(v, "converting timestamp formats")
		if err != nil {
			return nil, nil, err
		}
		out := cloneMap(m)
		cv, err := t.convert(nil, m[t.field])
		if err != nil {
			return nil, nil, fmt.Errorf("field %q: %w", t.field, err)
		}
		out[t.field] = cv
		return nil, out, nil
	}
	if err := requireStructSchema(sch, "converting timestamp formats"); err != nil {
		return nil, nil, err
	}
	ns, err := t.cache.get(sch, func(in *record.Schema) (*record.Schema, error) {
		out := structLike(in)
		found := false
		for _, f := range in.Fields {
			fs := f.Schema
			if f.Name == t.field {
				if _, err := inputKind(fs, nil); err != nil {
					return nil, fmt.Errorf("field %q: %w", f.Name, err)
				}
				fs, found = t.targetSchema(fs.Optional), true
			}
			_ = addField(out, f.Name, fs)
		}
		if !found {
			return nil, fmt.Errorf("field %q does not exist in schema %s", t.field, in)
		}
		return out, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return ns, nil, nil
	}
	st, err := requireStruct(v, "converting timestamp formats")
	if err != nil {
		return nil, nil, err
	}
	fi := sch.Field(t.field).Index // present: the schema was derived
	nv := record.NewStruct(ns)
	for i := range sch.Fields {
		nv.PutAt(i, fieldValue(st, i, t.replaceNull))
	}
	cv, err := t.convert(sch.Fields[fi].Schema, nv.RawAt(fi))
	if err != nil {
		return nil, nil, fmt.Errorf("field %q: %w", t.field, err)
	}
	nv.PutAt(fi, cv)
	return ns, nv, nil
}

// inputKind names the timestamp representation of a schema, or of a
// schemaless value.
func inputKind(s *record.Schema, v any) (string, error) {
	if s != nil {
		switch record.LogicalOf(s) {
		case record.LogicalDate:
			return tsDate, nil
		case record.LogicalTime:
			return tsTime, nil
		case record.LogicalTimestamp:
			return tsTimestamp, nil
		}
		switch s.Type {
		case record.String:
			return tsString, nil
		case record.Int64:
			return tsUnix, nil
		}
		return "", fmt.Errorf("schema %s does not correspond to a known timestamp type format", s)
	}
	switch x := v.(type) {
	case time.Time:
		return tsTimestamp, nil
	case int64, int32, int:
		return tsUnix, nil
	case float64:
		if x == math.Trunc(x) {
			return tsUnix, nil
		}
	case string:
		return tsString, nil
	}
	return "", fmt.Errorf("timestamp value of type %s is not supported", typeName(v))
}

func (t *timestampConverter) convert(s *record.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	kind, err := inputKind(s, v)
	if err != nil {
		return nil, err
	}
	var ts time.Time
	switch kind {
	case tsString:
		if t.layout == "" {
			return nil, fmt.Errorf("a string timestamp needs the format option")
		}
		str, _ := v.(string)
		if ts, err = time.Parse(t.layout, str); err != nil {
			return nil, fmt.Errorf("could not parse timestamp %q with format: %v", str, err)
		}
	case tsUnix:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int32:
			n = int64(x)
		case int:
			n = int64(x)
		case float64:
			n = int64(x)
		default:
			return nil, fmt.Errorf("want int64 for unix time, got %s", typeName(v))
		}
		ts = t.fromUnix(n)
	default:
		tt, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("want time.Time for %s, got %s", kind, typeName(v))
		}
		ts = tt
	}
	ts = ts.UTC()
	switch t.target {
	case tsString:
		return ts.Format(t.layout), nil
	case tsUnix:
		return t.toUnix(ts), nil
	case tsDate:
		return time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC), nil
	case tsTime:
		return time.Date(1970, 1, 1, ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond()/1e6*1e6, time.UTC), nil
	}
	return ts, nil
}

func (t *timestampConverter) fromUnix(n int64) time.Time {
	switch t.precision {
	case "seconds":
		return time.Unix(n, 0)
	case "microseconds":
		return time.UnixMicro(n)
	case "nanoseconds":
		return time.Unix(0, n)
	}
	return time.UnixMilli(n)
}

func (t *timestampConverter) toUnix(ts time.Time) int64 {
	switch strings.ToLower(t.precision) {
	case "seconds":
		return ts.Unix()
	case "microseconds":
		return ts.UnixMicro()
	case "nanoseconds":
		return ts.UnixNano()
	}
	return ts.UnixMilli()
}
