package runtime

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRecordFixerConvertsTransformsAndConvertsBack(t *testing.T) {
	fix, err := NewRecordFixer(map[string]string{
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"transforms": "cast,route", "transforms.cast.type": "Cast$Value", "transforms.cast.spec": "amount:int32",
		"transforms.route.type": "RegexRouter", "transforms.route.regex": "orders", "transforms.route.replacement": "orders-fixed",
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &kgo.Record{Topic: "orders", Partition: 3, Key: []byte{0xff, 0x00, 'k'}, Value: []byte(`{"amount":"12"}`),
		Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}}
	out, keep, err := fix(in)
	if err != nil || !keep {
		t.Fatalf("fix: keep=%v err=%v", keep, err)
	}
	if out.Topic != "orders-fixed" || string(out.Value) != `{"amount":12}` || string(out.Key) != string(in.Key) ||
		len(out.Headers) != 1 || string(out.Headers[0].Value) != "v" || out.Context != nil {
		t.Fatalf("fixed record %+v", out)
	}
	if _, _, err := fix(&kgo.Record{Topic: "orders", Value: []byte(`{"amount":"twelve"}`)}); err == nil {
		t.Fatal("a value the cast cannot take must fail the fix-up")
	}
}

func TestRecordFixerRefusesBadProperties(t *testing.T) {
	_, err := NewRecordFixer(map[string]string{"value.converter": "nope", "transforms": "x", "transforms.x.type": "Nope"})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	if got := ce.Properties(); len(got) != 2 || got[0] != "transforms.x.type" || got[1] != "value.converter" {
		t.Fatalf("properties %q: %v", got, err)
	}
}
