package sdk

import (
	"fmt"
	"math"
)

// OffsetInt64 reads an integer from a committed source offset (or
// partition) value. Offsets cross the plugin boundary as JSON, so a number
// a task stored as int64 may come back as int64, another integer type,
// float64 or json.Number; OffsetInt64 accepts all of them and refuses
// anything that is not a whole number.
func OffsetInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		return int64(x), nil
	case interface{ Int64() (int64, error) }: // json.Number
		return x.Int64()
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}
