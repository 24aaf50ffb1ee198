package transforms

import (
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/record"
)

// Transformation reshapes one record. Apply must not modify rec's key or
// value in place (a Struct may be shared with the caller): it builds new
// values. keep=false drops the record (Filter, a tombstone dropped by
// ExtractNewRecordState). An error fails this record only; the runtime
// decides what follows (errors.tolerance). Apply is called by one
// goroutine at a time per instance.
type Transformation interface {
	Apply(rec record.Record) (out record.Record, keep bool, err error)
}

// Predicate decides whether a transformation applies to a record.
type Predicate interface {
	Test(rec record.Record) (bool, error)
}

// Kind tells transformations from predicates.
type Kind string

const (
	KindTransformation Kind = "transformation"
	KindPredicate      Kind = "predicate"
)

// Plugin describes one transformation or predicate: Kafka Connect's class
// name is Name (e.g. "org.apache.kafka.connect.transforms.InsertField$Value"),
// Aliases are the short names accepted too ("InsertField$Value").
type Plugin struct {
	Name    string
	Aliases []string
	Kind    Kind
	Version string
	// Config declares the options (without the transforms.ALIAS. prefix);
	// it drives validation and GET /connector-plugins/{type}/config.
	Config *sdk.ConfigDef
	// New builds a configured instance from its options (prefix removed).
	// Exactly one of NewTransformation and NewPredicate is set.
	NewTransformation func(cfg map[string]string) (Transformation, error)
	NewPredicate      func(cfg map[string]string) (Predicate, error)
}
