package sdk

import (
	"strings"
	"testing"
)

func TestConfigDefValidate(t *testing.T) {
	def := NewConfigDef().
		Define(Key{Name: "host", Type: String, Required: true, Validator: NonEmpty}).
		Define(Key{Name: "port", Type: Int, Default: "5432", Validator: Range(1, 65535)}).
		Define(Key{Name: "ssl", Type: Boolean, Default: "false"}).
		Define(Key{Name: "mode", Type: String, Default: "a", Validator: OneOf("a", "b")}).
		Define(Key{Name: "ratio", Type: Double}).
		Define(Key{Name: "small", Type: Short}).
		Define(Key{Name: "big", Type: Long}).
		Define(Key{Name: "secret", Type: Password, Validator: NonEmpty})

	for _, tc := range []struct {
		name string
		cfg  map[string]string
		want map[string]string // property → substring of its one problem
	}{
		{"minimal", map[string]string{"host": "db"}, nil},
		{"unknown keys pass", map[string]string{"host": "db", "tasks.max": "3", "x.y": "z"}, nil},
		{"all valid", map[string]string{"host": "db", "port": "1", "ssl": "TRUE", "mode": "b", "ratio": "0.5",
			"small": "-32768", "big": "9223372036854775807", "secret": "s"}, nil},
		{"missing required", map[string]string{}, map[string]string{"host": `Missing required configuration "host"`}},
		{"validator", map[string]string{"host": " "}, map[string]string{"host": "must not be empty"}},
		{"int type", map[string]string{"host": "h", "port": "80x"}, map[string]string{"port": "Invalid value 80x for configuration port: not a number of type INT"}},
		{"int range", map[string]string{"host": "h", "port": "70000"}, map[string]string{"port": "value must be in [1, 65535]"}},
		{"int32 overflow", map[string]string{"host": "h", "port": "4294967296"}, map[string]string{"port": "type INT"}},
		{"short overflow", map[string]string{"host": "h", "small": "40000"}, map[string]string{"small": "type SHORT"}},
		{"boolean", map[string]string{"host": "h", "ssl": "yes"}, map[string]string{"ssl": "either true or false"}},
		{"one of", map[string]string{"host": "h", "mode": "c"}, map[string]string{"mode": "must be one of a, b"}},
		{"double", map[string]string{"host": "h", "ratio": "half"}, map[string]string{"ratio": "type DOUBLE"}},
		{"password hidden", map[string]string{"host": "h", "secret": ""}, map[string]string{"secret": "Invalid value [hidden]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := def.Validate(tc.cfg)
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %v, want %v", got, tc.want)
			}
			for k, sub := range tc.want {
				if len(got[k]) != 1 || !strings.Contains(got[k][0], sub) {
					t.Errorf("%s: %v, want one problem containing %q", k, got[k], sub)
				}
			}
		})
	}
}

func TestConfigDefAccessors(t *testing.T) {
	def := NewConfigDef().Define(Key{Name: "a", Type: List, Default: "x,y", Importance: Medium, Doc: "doc"})
	if v := def.Value(map[string]string{}, "a"); v != "x,y" {
		t.Errorf("default = %q", v)
	}
	if v := def.Value(map[string]string{"a": "z"}, "a"); v != "z" {
		t.Errorf("value = %q", v)
	}
	if k, ok := def.Key("a"); !ok || k.Doc != "doc" || k.Importance != Medium {
		t.Errorf("key = %+v", k)
	}
	if _, ok := def.Key("b"); ok {
		t.Error("found undefined key")
	}
	var nilDef *ConfigDef
	if nilDef.Validate(map[string]string{"a": "b"}) != nil || nilDef.Keys() != nil {
		t.Error("a nil ConfigDef should accept everything and have no keys")
	}
	defer func() {
		if recover() == nil {
			t.Error("defining a key twice did not panic")
		}
	}()
	def.Define(Key{Name: "a"})
}

func TestTypeNamesRoundTrip(t *testing.T) {
	for ty := String; ty <= Password; ty++ {
		if got, ok := ParseType(ty.String()); !ok || got != ty {
			t.Errorf("ParseType(%s) = %v, %v", ty, got, ok)
		}
	}
	for imp := High; imp <= Low; imp++ {
		if got, ok := ParseImportance(strings.ToLower(imp.String())); !ok || got != imp {
			t.Errorf("ParseImportance(%s) = %v, %v", imp, got, ok)
		}
	}
	if _, ok := ParseType("NOPE"); ok {
		t.Error("ParseType accepted NOPE")
	}
}
