package transforms

import (
	"regexp"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Predicates: TopicNameMatches, HasHeaderKey and RecordIsTombstone, as in
// org.apache.kafka.connect.transforms.predicates. And the Filter
// transformation, which drops every record it is applied to (so it is used
// with a predicate).

func predicatePlugin(short string, def *sdk.ConfigDef, mk func(c conf) (Predicate, error)) Plugin {
	return Plugin{
		Name:    kafkaPredicatePkg + short,
		Aliases: []string{short},
		Kind:    KindPredicate,
		Version: kafkaVersion,
		Config:  def,
		NewPredicate: func(cfg map[string]string) (Predicate, error) {
			c, err := newConf(def, cfg)
			if err != nil {
				return nil, err
			}
			return mk(c)
		},
	}
}

func predicatePlugins() []Plugin {
	return []Plugin{
		predicatePlugin("TopicNameMatches", sdk.NewConfigDef().Define(sdk.Key{
			Name: "pattern", Type: sdk.String, Required: true, Importance: sdk.Medium,
			Doc:       "A Java regular expression for matching against the name of a record's topic.",
			Validator: func(v string) error { return firstErr(sdk.NonEmpty(v), regexValidator(v)) },
		}), func(c conf) (Predicate, error) {
			re, err := compileFull(c.str("pattern"))
			if err != nil {
				return nil, optErrorf("pattern", "%v", err)
			}
			return &topicNameMatches{re: re}, nil
		}),
		predicatePlugin("HasHeaderKey", sdk.NewConfigDef().Define(sdk.Key{
			Name: "name", Type: sdk.String, Required: true, Importance: sdk.Medium,
			Doc: "The header name.", Validator: sdk.NonEmpty,
		}), func(c conf) (Predicate, error) { return hasHeaderKey{c.str("name")}, nil }),
		predicatePlugin("RecordIsTombstone", sdk.NewConfigDef(),
			func(conf) (Predicate, error) { return recordIsTombstone{}, nil }),
	}
}

type topicNameMatches struct {
	re      *regexp.Regexp
	matches topicCache[bool]
}

func (p *topicNameMatches) Test(r record.Record) (bool, error) {
	return p.matches.get(r.Topic, func(topic string) (bool, error) { return p.re.MatchString(topic), nil })
}

type hasHeaderKey struct{ name string }

func (p hasHeaderKey) Test(r record.Record) (bool, error) {
	for _, h := range r.Headers {
		if h.Key == p.name {
			return true, nil
		}
	}
	return false, nil
}

type recordIsTombstone struct{}

func (recordIsTombstone) Test(r record.Record) (bool, error) { return r.Value == nil, nil }

func filterPlugins() []Plugin {
	return []Plugin{single("Filter", sdk.NewConfigDef, func(conf) (Transformation, error) { return filter{}, nil })}
}

type filter struct{}

func (filter) Apply(r record.Record) (record.Record, bool, error) { return r, false, nil }

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
