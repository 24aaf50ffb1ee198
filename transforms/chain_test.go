package transforms

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/record"
)

func TestPluginsAndLookup(t *testing.T) {
	ps := Plugins()
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			t.Errorf("duplicate plugin %s", p.Name)
		}
		seen[p.Name] = true
		if p.Config == nil || p.Version == "" || len(p.Aliases) == 0 {
			t.Errorf("%s: incomplete plugin %+v", p.Name, p)
		}
		if (p.NewTransformation == nil) == (p.NewPredicate == nil) {
			t.Errorf("%s: exactly one constructor must be set", p.Name)
		}
		if (p.Kind == KindPredicate) != (p.NewPredicate != nil) {
			t.Errorf("%s: kind %s does not match constructor", p.Name, p.Kind)
		}
	}
	for _, name := range []string{
		"org.apache.kafka.connect.transforms.InsertField$Value", "InsertField$Key", "Cast$Value",
		"DropHeaders", "ExtractField$Key", "Filter", "Flatten$Value", "HeaderFrom$Key", "HoistField$Value",
		"InsertHeader", "MaskField$Value", "RegexRouter", "ReplaceField$Value", "SetSchemaMetadata$Key",
		"TimestampConverter$Value", "TimestampRouter", "ValueToKey", "ExtractNewRecordState",
		"io.debezium.transforms.ExtractNewRecordState",
		"org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "HasHeaderKey", "RecordIsTombstone",
	} {
		if _, ok := Lookup(ps, name); !ok {
			t.Errorf("Lookup(%q) found nothing", name)
		}
	}
	if _, ok := Lookup(ps, "Nope"); ok {
		t.Error("Lookup(Nope) found a plugin")
	}
	// Fresh values each call.
	ps[0].Aliases[0] = "changed"
	if Plugins()[0].Aliases[0] == "changed" {
		t.Error("Plugins shares state between calls")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  map[string]string // property → substring of a problem
	}{
		{"empty", map[string]string{}, nil},
		{"fine", map[string]string{
			"transforms": "a, b", "transforms.a.type": "InsertField$Value", "transforms.a.topic.field": "t",
			"transforms.b.type": "org.apache.kafka.connect.transforms.Filter", "transforms.b.predicate": "p",
			"transforms.b.negate": "true", "predicates": "p", "predicates.p.type": "TopicNameMatches",
			"predicates.p.pattern": "users.*"}, nil},
		{"unknown type", map[string]string{"transforms": "a", "transforms.a.type": "Foo"},
			map[string]string{"transforms.a.type": `unknown transformation "Foo"; known: Cast$Key`}},
		{"missing type", map[string]string{"transforms": "a"},
			map[string]string{"transforms.a.type": "Missing required configuration"}},
		{"missing option", map[string]string{"transforms": "a", "transforms.a.type": "ExtractField$Value"},
			map[string]string{"transforms.a.field": `transformation "a"`}},
		{"predicate not listed", map[string]string{"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p"},
			map[string]string{"transforms.a.predicate": `predicate "p", which is not listed`}},
		{"bad regex", map[string]string{"transforms": "r", "transforms.r.type": "RegexRouter",
			"transforms.r.regex": "a(b", "transforms.r.replacement": "x"},
			map[string]string{"transforms.r.regex": "invalid regular expression"}},
		{"unknown cast type", map[string]string{"transforms": "c", "transforms.c.type": "Cast$Value", "transforms.c.spec": "a:int128"},
			map[string]string{"transforms.c.spec": "invalid type found in casting spec: int128"}},
		{"bad negate", map[string]string{"transforms": "a", "transforms.a.type": "Filter", "transforms.a.negate": "yes"},
			map[string]string{"transforms.a.negate": "expected true or false"}},
		{"duplicate alias", map[string]string{"transforms": "a,a", "transforms.a.type": "Filter"},
			map[string]string{"transforms": `duplicate alias "a"`}},
		{"predicate problems", map[string]string{"predicates": "p,q", "predicates.p.type": "TopicNameMatches",
			"predicates.q.type": "Cast$Value"},
			map[string]string{"predicates.p.pattern": "Missing required", "predicates.q.type": `unknown predicate "Cast$Value"`}},
		{"predicate bad regex", map[string]string{"predicates": "p", "predicates.p.type": "TopicNameMatches", "predicates.p.pattern": "(?<=x)"},
			map[string]string{"predicates.p.pattern": "invalid regular expression"}},
		{"bad int", map[string]string{"transforms": "s", "transforms.s.type": "SetSchemaMetadata$Value", "transforms.s.schema.version": "x"},
			map[string]string{"transforms.s.schema.version": "not a number"}},
		{"constructor check", map[string]string{"transforms": "s", "transforms.s.type": "SetSchemaMetadata$Value"},
			map[string]string{"transforms.s.schema.name": "neither schema name nor version"}},
		{"string timestamps need format", map[string]string{"transforms": "ts", "transforms.ts.type": "TimestampConverter$Value",
			"transforms.ts.target.type": "string"},
			map[string]string{"transforms.ts.format": "requires format"}},
		{"header lists differ", map[string]string{"transforms": "h", "transforms.h.type": "HeaderFrom$Value",
			"transforms.h.fields": "a,b", "transforms.h.headers": "x", "transforms.h.operation": "copy"},
			map[string]string{"transforms.h.headers": "same number of elements"}},
		{"bad renames", map[string]string{"transforms": "r", "transforms.r.type": "ReplaceField$Value", "transforms.r.renames": "a"},
			map[string]string{"transforms.r.renames": "invalid rename mapping"}},
		{"debezium mode", map[string]string{"transforms": "u", "transforms.u.type": "ExtractNewRecordState",
			"transforms.u.delete.tombstone.handling.mode": "keep"},
			map[string]string{"transforms.u.delete.tombstone.handling.mode": "must be one of"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Validate(tc.props)
			if len(tc.want) == 0 && len(got) != 0 {
				t.Fatalf("Validate = %v, want no problems", got)
			}
			for prop, sub := range tc.want {
				found := false
				for _, m := range got[prop] {
					found = found || strings.Contains(m, sub)
				}
				if !found {
					t.Errorf("problems[%q] = %q, want one containing %q (all: %v)", prop, got[prop], sub, got)
				}
			}
			c, err := NewChain(tc.props)
			var ce *ConfigError
			if len(tc.want) > 0 {
				if !errors.As(err, &ce) || len(ce.Problems) != len(got) || !strings.Contains(err.Error(), "invalid transforms configuration") {
					t.Fatalf("NewChain error = %v, want *ConfigError with the same problems", err)
				}
			} else if err != nil || c == nil {
				t.Fatalf("NewChain = %v, %v", c, err)
			}
		})
	}
}

func TestChainPredicates(t *testing.T) {
	props := map[string]string{
		"transforms":                          "dropTombstones,route,tag",
		"transforms.dropTombstones.type":      "Filter",
		"transforms.dropTombstones.predicate": "isTombstone",
		"transforms.route.type":               "RegexRouter",
		"transforms.route.regex":              "db\\.(.*)",
		"transforms.route.replacement":        "cdc-$1",
		"transforms.tag.type":                 "InsertHeader",
		"transforms.tag.header":               "routed",
		"transforms.tag.value.literal":        "true",
		"transforms.tag.predicate":            "fromDb",
		"transforms.tag.negate":               "true",
		"predicates":                          "isTombstone,fromDb",
		"predicates.isTombstone.type":         "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
		"predicates.fromDb.type":              "TopicNameMatches",
		"predicates.fromDb.pattern":           "db\\..*",
	}
	c, err := NewChain(props)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d", c.Len())
	}
	// A tombstone is dropped by the first step.
	if _, keep, err := c.Apply(record.Record{Topic: "db.users"}); keep || err != nil {
		t.Fatalf("tombstone: keep=%v err=%v", keep, err)
	}
	// db.users: routed; the tag predicate (negated) tests the new topic,
	// which no longer matches, so the header is added.
	out, keep, err := c.Apply(record.Record{Topic: "db.users", Value: "x"})
	if err != nil || !keep || out.Topic != "cdc-users" || len(out.Headers) != 1 || out.Headers[0].Value != true {
		t.Fatalf("got %+v keep=%v err=%v", out, keep, err)
	}
	// db.orders goes through unchanged by the router when the regex does not match.
	out, _, _ = c.Apply(record.Record{Topic: "other", Value: "x"})
	if out.Topic != "other" || len(out.Headers) != 1 {
		t.Fatalf("got %+v", out)
	}
}

func TestChainApplyError(t *testing.T) {
	c, err := NewChain(map[string]string{"transforms": "x", "transforms.x.type": "ExtractField$Value", "transforms.x.field": "id"})
	if err != nil {
		t.Fatal(err)
	}
	_, keep, err := c.Apply(record.Record{ValueSchema: record.StringSchema(), Value: "not a struct"})
	var ae *ApplyError
	if keep || !errors.As(err, &ae) || ae.Alias != "x" || ae.Class != kafkaPkg+"ExtractField$Value" ||
		!strings.Contains(err.Error(), `transform "x"`) || errors.Unwrap(err) == nil {
		t.Fatalf("err = %v", err)
	}
}

func TestNilAndEmptyChain(t *testing.T) {
	var c *Chain
	r := record.Record{Topic: "t", Value: "v"}
	if out, keep, err := c.Apply(r); !keep || err != nil || out.Topic != "t" || c.Len() != 0 {
		t.Fatal("nil chain changed the record")
	}
	c, err := NewChain(nil)
	if err != nil || c.Len() != 0 {
		t.Fatal(c, err)
	}
	if out, keep, err := c.Apply(r); !keep || err != nil || out.Value != "v" {
		t.Fatal("empty chain changed the record")
	}
}

type panicky struct{}

func (panicky) Apply(record.Record) (record.Record, bool, error) { panic("boom") }
func (panicky) Test(record.Record) (bool, error)                 { panic("boom") }

func TestPanicsBecomeApplyErrors(t *testing.T) {
	c := &Chain{steps: []step{{alias: "p", class: "Panicky", t: panicky{}}}}
	_, _, err := c.Apply(record.Record{})
	var ae *ApplyError
	if !errors.As(err, &ae) || !errors.Is(err, errPanic) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	c = &Chain{steps: []step{{alias: "p", class: "Filter", t: filter{}, pred: panicky{}, predAlias: "q"}}}
	if _, _, err := c.Apply(record.Record{}); !errors.As(err, &ae) || !strings.Contains(err.Error(), `predicate "q"`) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzValidate checks the invariant that Validate and NewChain never panic
// and agree: NewChain fails exactly when Validate reports problems.
func FuzzValidate(f *testing.F) {
	f.Add("a", "Cast$Value", "spec", "a:int8", "p", "TopicNameMatches", "pattern", "x.*")
	f.Add("a,b", "ExtractNewRecordState", "add.fields", "op,source.ts_ms:ts", "p", "HasHeaderKey", "name", "")
	f.Add("a", "TimestampConverter$Value", "format", "yyyy-MM-dd'T'HH:mm:ss.SSS", "p", "RecordIsTombstone", "x", "y")
	f.Add("a", "RegexRouter", "regex", "(", "", "", "", "")
	f.Fuzz(func(t *testing.T, aliases, typ, opt, val, pred, ptyp, popt, pval string) {
		props := map[string]string{"transforms": aliases, "predicates": pred}
		for _, a := range splitList(aliases) {
			props["transforms."+a+".type"] = typ
			props["transforms."+a+"."+opt] = val
			props["transforms."+a+".predicate"] = pred
		}
		for _, p := range splitList(pred) {
			props["predicates."+p+".type"] = ptyp
			props["predicates."+p+"."+popt] = pval
		}
		problems := Validate(props)
		c, err := NewChain(props)
		if (len(problems) > 0) != (err != nil) {
			t.Fatalf("Validate = %v but NewChain err = %v", problems, err)
		}
		if err == nil {
			_, _, _ = c.Apply(record.Record{Topic: "t", Value: map[string]any{"a": int8(1)}})
		}
	})
}
