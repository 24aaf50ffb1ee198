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
		return &regexRouter{re: re, repl: c.str("replacement")}, nil
	})}
}

type regexRouter struct {
	re     *regexp.Regexp
	repl   string
	topics topicCache[string]
}

func (t *regexRouter) Apply(r record.Record) (record.Record, bool, error) {
	topic, err := t.topics.get(r.Topic, func(in string) (string, error) {
		m := t.re.FindStringSubmatchIndex(in)
		if m == nil {
			return in, nil
		}
		return expandJava(t.re, t.repl, in, m)
	})
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
		return newTimestampRouter(c.str("topic.format"), layout), nil
	})}
}

// timestampRouter keeps topic.format split at its placeholders, so a
// record costs one append per part and one string allocation. Kafka
// replaces ${topic} first and then ${timestamp} in the result, so a
// "${timestamp}" formed by the topic and the text around it is expanded
// too; when a '$', '{' or '}' outside the placeholders makes that
// possible, Apply does the two replacements as Kafka does.
type timestampRouter struct {
	format string
	parts  []string // literal text, or tsTopic / tsStamp
	exact  bool     // the format has '$', '{' or '}' outside placeholders
	layout string
}

const (
	tsTopic   = "${topic}"
	tsStamp   = "${timestamp}"
	tsSpecial = "${}"
)

func newTimestampRouter(format, layout string) *timestampRouter {
	t := &timestampRouter{format: format, layout: layout}
	for rest := format; rest != ""; {
		i := strings.Index(rest, "${")
		if i < 0 {
			i = len(rest)
		}
		if lit := rest[:i]; lit != "" {
			t.parts = append(t.parts, lit)
			t.exact = t.exact || strings.ContainsAny(lit, tsSpecial)
		}
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, tsTopic):
			t.parts, rest = append(t.parts, tsTopic), rest[len(tsTopic):]
		case strings.HasPrefix(rest, tsStamp):
			t.parts, rest = append(t.parts, tsStamp), rest[len(tsStamp):]
		case rest != "":
			t.exact = true
			return t
		}
	}
	return t
}

func (t *timestampRouter) Apply(r record.Record) (record.Record, bool, error) {
	if r.Timestamp.IsZero() {
		return r, true, errors.New("timestamp missing on record")
	}
	if t.exact || strings.ContainsAny(r.Topic, tsSpecial) {
		topic := strings.ReplaceAll(t.format, tsTopic, r.Topic)
		r.Topic = strings.ReplaceAll(topic, tsStamp, formatUTC(t.layout, r.Timestamp))
		return r, true, nil
	}
	var buf [128]byte
	b := buf[:0]
	for _, p := range t.parts {
		switch p {
		case tsTopic:
			b = append(b, r.Topic...)
		case tsStamp:
			b = r.Timestamp.UTC().AppendFormat(b, t.layout)
		default:
			b = append(b, p...)
		}
	}
	r.Topic = string(b)
	return r, true, nil
}
