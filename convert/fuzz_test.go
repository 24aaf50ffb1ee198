package convert

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/record"
)

// FuzzJSONToRecord checks that ToRecord never panics on any input, with
// schemas enabled or not, and that whatever it accepts survives a round
// trip: FromRecord writes it, and ToRecord reads back an equal schema and
// value.
func FuzzJSONToRecord(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, true)
			f.Add(b, false)
		}
	}
	f.Add([]byte(`{"schema":{"type":"map","keys":{"type":"int8","optional":true},"values":{"type":"float"}},"payload":[[null,"NaN"],[1,2.5]]}`), true)
	f.Add([]byte(`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"3"},"default":1.5}],"default":{"d":"AA=="}},"payload":null}`), true)
	f.Add([]byte(`[1, 2.5e3, {"a": [true, null]}, "s"]`), false)
	f.Fuzz(func(t *testing.T, data []byte, schemas bool) {
		props := map[string]string{"schemas.enable": "false"}
		if schemas {
			props["schemas.enable"] = "true"
		}
		c, err := New("json", false, props)
		if err != nil {
			t.Fatal(err)
		}
		s, v, err := c.ToRecord("t", data)
		if err != nil {
			return
		}
		if err := record.Validate(s, v); err != nil {
			t.Fatalf("ToRecord returned an invalid value: %v", err)
		}
		out, err := c.FromRecord("t", s, v)
		if err != nil {
			t.Fatalf("FromRecord of ToRecord's result: %v", err)
		}
		if out == nil {
			return // a tombstone (schemaless null)
		}
		s2, v2, err := c.ToRecord("t", out)
		if err != nil {
			t.Fatalf("ToRecord(%s): %v", out, err)
		}
		if !s.Equal(s2) || !record.ValuesEqual(v, v2) {
			t.Fatalf("round trip changed %s %#v into %s %#v (via %s)", s, v, s2, v2, out)
		}
	})
}
