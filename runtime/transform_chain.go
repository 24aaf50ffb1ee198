package runtime

import (
	"errors"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/record"
	"github.com/sluicehq/sluice/transforms"
)

// transformChain is a connector's chain of single message transforms:
// nil when the connector configures none.
type transformChain interface {
	Apply(rec record.Record) (out record.Record, keep bool, err error)
}

// newTransformChain builds the chain props configure (transforms=…); the
// configuration was validated with the connector's (checkConnectorConfig).
func newTransformChain(props map[string]string) (transformChain, error) {
	c, err := transforms.NewChain(props)
	if err != nil || c.Len() == 0 {
		return nil, err
	}
	return c, nil
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
		var ae *transforms.ApplyError
		if errors.As(err, &ae) {
			class = ae.Class
		}
		return rec, false, &stageError{dlq.StageTransformation, class, err}
	}
	return out, keep, nil
}
