package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors a Herder returns (wrapped) to pick the REST answer.
var (
	ErrNotFound            = errors.New("not found")                // 404
	ErrAlreadyExists       = errors.New("already exists")           // 409
	ErrRebalanceInProgress = errors.New("rebalance in progress")    // 409
	ErrConflict            = errors.New("conflict")                 // 409
	ErrBadRequest          = errors.New("bad request")              // 400
	ErrConnectorNotStopped = errors.New("connector not stopped")    // 400
	ErrForbidden           = errors.New("forbidden")                // 403
	ErrNotLeader           = errors.New("not the leader")           // forwarded
	ErrStarting            = errors.New("worker is still starting") // 503 from /health
)

// Error is a herder error: Kind is a sentinel above, Msg the text users
// see. Build one with Errorf.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an error matching kind under errors.Is whose message,
// shown in the REST answer, is the formatted text alone.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// NotLeaderError tells the server to forward the request to the leader.
type NotLeaderError struct {
	LeaderURL string // empty when no leader is known
}

func (e *NotLeaderError) Error() string {
	if e.LeaderURL == "" {
		return "not the leader; no leader known"
	}
	return "not the leader; leader is " + e.LeaderURL
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// Kafka's wording for the conflicts the REST layer itself detects.
const (
	msgNoLeader    = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
	msgTooManyHops = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
	msgRebalance   = "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"
	msgTimeout     = "Request timed out"
)

// restError is an error answer the server writes.
type restError struct {
	status int
	msg    string
}

func (e *restError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &restError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// statusOf maps err to an HTTP status and the message users see.
func statusOf(err error) (int, string) {
	var re *restError
	if errors.As(err, &re) {
		return re.status, re.msg
	}
	msg := err.Error()
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, msg
	case errors.Is(err, ErrAlreadyExists), errors.Is(err, ErrConflict):
		return http.StatusConflict, msg
	case errors.Is(err, ErrRebalanceInProgress):
		var he *Error
		if !errors.As(err, &he) {
			msg = msgRebalance
		}
		return http.StatusConflict, msg
	case errors.Is(err, ErrNotLeader):
		// Reached only when forwarding is not possible.
		return http.StatusConflict, msgNoLeader
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrConnectorNotStopped):
		return http.StatusBadRequest, msg
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, msg
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusInternalServerError, msgTimeout
	}
	return http.StatusInternalServerError, msg
}
