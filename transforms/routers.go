package transforms

import (
	"errors"
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// RegexRouter rewrites the topic when the whole topic matches regex, using
// Java's replacement syntax ($1, ${name}, \ escapes). TimestampRouter sets
// the topic from topic.format, replacing ${topic} and ${timestamp} (the
// record's timestamp formatted with timestamp.format in UTC).

func regexRouterPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "regex", Type: sdk.String, Required: true, Importance: sdk.High,
				Doc: "Regular expression to use for matching.", Validator: regexValidator}).
			Define(sdk.Key{Name: "replacement", Type: sdk.String, Required: true, Importance: sdk.High,
				Doc: "Replacement string."})
	}
	return []Plugin{single("RegexRouter", def, func(c conf) (Transformation, error) {
		re, err := compileFull(c.str("regex"))
		if err != nil {
			return nil, optErrorf("regex", "%v", err)
		}
		return regexRouter{re: re, repl: c.str("replacement")}, nil
	})}
}

type regexRouter struct {
	re   *regexp.Regexp
	repl string
}

func (t regexRouter) Apply(r record.Record) (record.Record, bool, error) {
	m := t.re.FindStringSubmatchIndex(r.Topic)
	if m == nil {
		return r, true, nil
	}
	topic, err := expandJava(t.re, t.repl, r.Topic, m)
	if err != nil {
		return r, true, err
	}
	r.Topic = topic
	return r, true, nil
}

func timestampRouterPlugins() []Plugin {
	def := func() *sdk.ConfigDef {
		return sdk.NewConfigDef().
			Define(sdk.Key{Name: "topic.format", Type: sdk.String, Default: "${topic}-${timestamp}", Importance: sdk.High,
				Doc: "Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively."}).
			Define(sdk.Key{Name: "timestamp.format", Type: sdk.String, Default: "yyyyMMdd", Importance: sdk.High,
				Doc: "Format string for the timestamp that is compatible with java.text.SimpleDateFormat.", Validator: dateFormatValidator})
	}
	return []Plugin{single("TimestampRouter", def, func(c conf) (Transformation, error) {
		layout, err := javaLayout(c.str("timestamp.format"))
		if err != nil {
			return nil, optErrorf("timestamp.format", "%v", err)
		}
		return timestampRouter{format: c.str("topic.format"), layout: layout}, nil
	})}
}

type timestampRouter struct{ format, layout string }

func (t timestampRouter) Apply(r record.Record) (record.Record, bool, error) {
	if r.Timestamp.IsZero() {
		return r, true, errors.New("timestamp missing on record")
	}
	topic := strings.ReplaceAll(t.format, "${topic}", r.Topic)
	r.Topic = strings.ReplaceAll(topic, "${timestamp}", formatUTC(t.layout, r.Timestamp))
	return r, true, nil
}
