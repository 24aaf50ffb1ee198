package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluicehq/sluice/plugins/sdk"

	pb "github.com/sluicehq/sluice/plugins/proto"
)

// ErrExited is wrapped by every error a call returns because the plugin
// process is gone (it crashed, was killed, or was stopped).
var ErrExited = errors.New("plugin process exited")

// ErrProtocolVersion is wrapped by Launch's error when the plugin speaks no
// protocol version this host speaks.
var ErrProtocolVersion = errors.New("plugin protocol version mismatch")

// remoteError is an error a connector returned in the plugin process. It
// unwraps to sdk.ErrRetriable or sdk.ErrFatal when the connector's error did.
type remoteError struct {
	msg   string
	class error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.class }

func fromErrorMessage(e *pb.Error) error {
	if e == nil {
		return nil
	}
	switch e.GetClass() {
	case pb.Error_CLASS_RETRIABLE:
		return &remoteError{msg: e.GetMessage(), class: sdk.ErrRetriable}
	case pb.Error_CLASS_FATAL:
		return &remoteError{msg: e.GetMessage(), class: sdk.ErrFatal}
	}
	return &remoteError{msg: e.GetMessage()}
}

// callError turns an RPC's error into what the caller of op sees.
func (p *Process) callError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch st.Code() {
	case codes.Aborted:
		return fmt.Errorf("%s: %w", op, &remoteError{msg: st.Message(), class: sdk.ErrRetriable})
	case codes.FailedPrecondition:
		return fmt.Errorf("%s: %w", op, &remoteError{msg: st.Message(), class: sdk.ErrFatal})
	case codes.Unknown:
		return fmt.Errorf("%s: %w", op, &remoteError{msg: st.Message()})
	case codes.Unavailable, codes.Canceled, codes.Internal:
		// Most likely the process died under the call; say so when it did.
		if exitErr := p.awaitExit(); exitErr != nil {
			return fmt.Errorf("%s: %w", op, exitErr)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// tailLines formats the last stderr lines for an error message.
func tailLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "; last stderr lines:\n\t" + strings.Join(lines, "\n\t")
}

// streamEnd explains why a task's stream ended: the process died, the task
// was stopped (the plugin ended the stream, or the host cancelled sctx, the
// context the host opened the stream with), or the transport failed.
func (p *Process) streamEnd(op string, sctx context.Context, err error) error {
	if exitErr := p.Err(); exitErr != nil {
		return fmt.Errorf("%s: %w", op, exitErr)
	}
	if errors.Is(err, io.EOF) || sctx.Err() != nil {
		return fmt.Errorf("%s: the task was stopped", op)
	}
	return p.callError(context.Background(), op, err)
}
