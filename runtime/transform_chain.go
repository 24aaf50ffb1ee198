package runtime

import (
	"errors"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/record"
)

// transformChain is a connector's chain of single message transforms
// (transforms.Chain): nil when the connector configures none.
type transformChain interface {
	Apply(rec record.Record) (out record.Record, keep bool, err error)
}

// newTransformChain builds the chain props configure (transforms=…).
func newTransformChain(props map[string]string) (transformChain, error) {
	return nil, nil
}

// applyChain runs rec through c; a failure is a TRANSFORMATION stage error
// naming the transformation's class.
func applyChain(c transformChain, rec record.Record) (record.Record, bool, error) {
	if c == nil {
		return rec, true, nil
	}
	out, keep, err := c.Apply(rec)
	if err != nil {
		class := ""
		var ce interface{ TransformClass() string }
		if errors.As(err, &ce) {
			class = ce.TransformClass()
		}
		return rec, false, &stageError{dlq.StageTransformation, class, err}
	}
	return out, keep, nil
}
