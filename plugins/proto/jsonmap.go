package proto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// EncodeMap encodes a source partition or offset map (JSON-like values) for
// the SourceOffset message. A nil map encodes as empty bytes.
func EncodeMap(m map[string]any) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode source map: %w", err)
	}
	return b, nil
}

// DecodeMap is the inverse of EncodeMap. Numbers become int64 when they are
// integers that fit, float64 otherwise, so offsets round-trip as the
// connector wrote them.
func DecodeMap(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode source map: %w", err)
	}
	return fixNumbers(m).(map[string]any), nil
}

func fixNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = fixNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = fixNumbers(e)
		}
	}
	return v
}
