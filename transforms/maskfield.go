package transforms

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// MaskField$Key / MaskField$Value: replace fields with the "empty" value of
// their type (false, 0, "", the epoch, an empty array or map), or with
// replacement, which is parsed as the field's type (numbers and strings
// only). Null fields stay null; tombstones pass unchanged. Bytes and
// structs cannot be masked.

func maskFieldPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "fields", Type: sdk.List, Required: true, Importance: sdk.High,
				Doc: "Names of fields to mask.", Validator: nonEmptyList}).
			Define(sdk.Key{Name: "replacement", Type: sdk.String, Importance: sdk.Low,
				Doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).", Validator: sdk.NonEmpty}).
			Define(replaceNullKey())
	}
	return variants("MaskField", def, func(s side, c conf) (Transformation, error) {
		t := &maskField{side: s, fields: c.list("fields"), replaceNull: c.bool(replaceNullWithDefault)}
		if c.has("replacement") {
			rp := c.str("replacement")
			t.replacement = &rp
		}
		return t, nil
	})
}

type maskField struct {
	side        side
	fields      []string
	replacement *string
	replaceNull bool
}

const maskPurpose = "mask fields"

func (t *maskField) Apply(r record.Record) (record.Record, bool, error) {
	sch, v := t.side.get(r)
	if v == nil {
		return r, true, nil
	}
	if sch == nil {
		m, err := requireMap(v, maskPurpose)
		if err != nil {
			return r, true, err
		}
		out := cloneMap(m)
		for _, f := range t.fields {
			mv, err := t.mask(m[f])
			if err != nil {
				return r, true, fmt.Errorf("field %q: %w", f, err)
			}
			out[f] = mv
		}
		return t.side.with(r, nil, out), true, nil
	}
	st, err := requireStruct(v, maskPurpose)
	if err != nil {
		return r, true, err
	}
	nv := record.NewStruct(st.Schema())
	for i := range st.Schema().Fields {
		nv.PutAt(i, fieldValue(st, i, t.replaceNull))
	}
	for _, f := range t.fields {
		fd := st.Schema().Field(f)
		if fd == nil {
			return r, true, fmt.Errorf("%q is not a valid field name", f)
		}
		mv, err := t.mask(nv.RawAt(fd.Index))
		if err != nil {
			return r, true, fmt.Errorf("field %q: %w", f, err)
		}
		nv.PutAt(fd.Index, mv)
	}
	return t.side.with(r, st.Schema(), nv), true, nil
}

func (t *maskField) mask(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t.replacement != nil {
		return maskReplacement(v, *t.replacement)
	}
	switch x := v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case int:
		return 0, nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case string:
		return "", nil
	case record.Decimal:
		return record.Decimal{Unscaled: new(big.Int), Scale: x.Scale}, nil
	case time.Time:
		return time.UnixMilli(0).UTC(), nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case map[any]any:
		return map[any]any{}, nil
	}
	return nil, fmt.Errorf("cannot mask value of type %s", typeName(v))
}

func maskReplacement(v any, rp string) (any, error) {
	bad := func(err error) error {
		return fmt.Errorf("unable to convert %q to the type of %s: %v", rp, typeName(v), err)
	}
	parseInt := func(bits int) (int64, error) { return strconv.ParseInt(rp, 10, bits) }
	switch v.(type) {
	case string:
		return rp, nil
	case int8:
		n, err := parseInt(8)
		if err != nil {
			return nil, bad(err)
		}
		return int8(n), nil
	case int16:
		n, err := parseInt(16)
		if err != nil {
			return nil, bad(err)
		}
		return int16(n), nil
	case int32:
		n, err := parseInt(32)
		if err != nil {
			return nil, bad(err)
		}
		return int32(n), nil
	case int64, int:
		n, err := parseInt(64)
		if err != nil {
			return nil, bad(err)
		}
		if _, ok := v.(int); ok {
			return int(n), nil
		}
		return n, nil
	case float32:
		f, err := strconv.ParseFloat(strings.TrimSpace(rp), 32)
		if err != nil {
			return nil, bad(err)
		}
		return float32(f), nil
	case float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(rp), 64)
		if err != nil {
			return nil, bad(err)
		}
		return f, nil
	case record.Decimal:
		d, err := record.ParseDecimal(rp)
		if err != nil {
			return nil, bad(err)
		}
		return rescale(d, v.(record.Decimal).Scale)
	}
	return nil, fmt.Errorf("cannot mask value of type %s with custom replacement", typeName(v))
}

// rescale returns d with the given scale, which must lose no digits.
func rescale(d record.Decimal, scale int32) (record.Decimal, error) {
	u := new(big.Int).Set(d.Unscaled)
	switch {
	case scale > d.Scale:
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale)), nil))
	case scale < d.Scale:
		q, m := new(big.Int).QuoRem(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale-scale)), nil), new(big.Int))
		if m.Sign() != 0 {
			return record.Decimal{}, fmt.Errorf("decimal %s does not fit scale %d", d, scale)
		}
		u = q
	}
	return record.Decimal{Unscaled: u, Scale: scale}, nil
}
