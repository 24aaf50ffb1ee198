package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// List is what GET /dlq lists (Pattern, Probe, MaxScan); Topics is
	// ignored.
	List ListOptions
	// Fixer, when set, builds the fix-up hook of a replay from the body's
	// "transforms" object: connector-style properties (transforms=…,
	// transforms.ALIAS.*, predicates…, key.converter, value.converter; the
	// worker passes runtime.NewRecordFixer). nil refuses a body with
	// transforms.
	Fixer func(props map[string]string) (Fixer, error)
}

// NewHandler serves the DLQ REST API over in, under /dlq:
//
//	GET  /dlq                    list DLQ topics ([]TopicSummary)
//	GET  /dlq/{topic}            one topic's summary (?max_scan=)
//	GET  /dlq/{topic}/records    records (?connector=&error_class=&stage=&original_topic=
//	                             &message=&message_regexp=&from=&to=&start_offset=&end_offset=
//	                             &partition=&limit=), []Entry; limit defaults to 100
//	POST /dlq/{topic}/replay     replay (ReplayRequest body), ReplayResult
//
// Errors are Kafka Connect's JSON {"error_code": N, "message": "…"}: 400 for
// a bad parameter (named), 404 for an unknown topic, 409 when a replay of
// the same name runs in this process, 500 otherwise. Mount it at "/dlq"
// and "/dlq/" of the worker's mux.
func NewHandler(in *Inspector, o HandlerOptions) http.Handler {
	h := &handler{in: in, o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dlq", h.list)
	mux.HandleFunc("GET /dlq/{$}", h.list)
	mux.HandleFunc("GET /dlq/{topic}", h.summary)
	mux.HandleFunc("GET /dlq/{topic}/records", h.records)
	mux.HandleFunc("POST /dlq/{topic}/replay", h.replay)
	return mux
}

type handler struct {
	in *Inspector
	o  HandlerOptions
}

// ReplayRequest is the body of POST /dlq/{topic}/replay. The filter fields
// are Filter's JSON names at the top level (connector, error_class, stage,
// original_topic, message, message_regexp, from_time, to_time — RFC 3339 —,
// partitions, start_offset, end_offset); "to" is the target topic.
type ReplayRequest struct {
	To          string            `json:"to"`
	Name        string            `json:"name"`
	DryRun      bool              `json:"dry_run"`
	Rate        float64           `json:"rate"`
	CreateTopic bool              `json:"create_topic"`
	Purge       bool              `json:"purge"`
	Transforms  map[string]string `json:"transforms"`
	Filter
}

// defaultRecordsLimit is GET /dlq/{topic}/records' limit when none is given.
const defaultRecordsLimit = 100

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	o := h.o.List
	o.Topics = nil
	out, err := h.in.List(r.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) summary(w http.ResponseWriter, r *http.Request) {
	maxScan := h.o.List.MaxScan
	if v := r.URL.Query().Get("max_scan"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, &InvalidError{"max_scan", fmt.Sprintf("%q is not an integer", v)})
			return
		}
		maxScan = n
	}
	s, err := h.in.Summary(r.Context(), r.PathValue("topic"), maxScan)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (h *handler) records(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := filterFromQuery(q.Get)
	if err != nil {
		writeError(w, err)
		return
	}
	limit := defaultRecordsLimit
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			writeError(w, &InvalidError{"limit", fmt.Sprintf("%q is not a non-negative integer", v)})
			return
		}
	}
	es, err := h.in.Show(r.Context(), r.PathValue("topic"), f, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, es)
}

func (h *handler) replay(w http.ResponseWriter, r *http.Request) {
	var req ReplayRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, &InvalidError{"body", err.Error()})
		return
	}
	o := ReplayOptions{
		Topic: r.PathValue("topic"), To: req.To, Name: req.Name, Filter: req.Filter,
		DryRun: req.DryRun, Rate: req.Rate, CreateTopic: req.CreateTopic, Purge: req.Purge,
	}
	if len(req.Transforms) > 0 {
		if h.o.Fixer == nil {
			writeError(w, &InvalidError{"transforms", "not available on this server"})
			return
		}
		fx, err := h.o.Fixer(req.Transforms)
		if err != nil {
			writeError(w, &InvalidError{"transforms", err.Error()})
			return
		}
		o.Fixer = fx
	}
	// The replay runs under the request: a client that goes away stops
	// it, which is safe (progress is transactional).
	res, err := h.in.Replay(r.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// filterFromQuery reads a Filter from query parameters (also used by the
// CLI's flags' names).
func filterFromQuery(get func(string) string) (Filter, error) {
	f := Filter{
		Connector:     get("connector"),
		ErrorClass:    get("error_class"),
		Stage:         Stage(get("stage")),
		OriginalTopic: get("original_topic"),
		Message:       get("message"),
		MessageRegexp: get("message_regexp"),
	}
	var err error
	if f.From, err = parseTime("from", get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", get("to")); err != nil {
		return f, err
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"start_offset", &f.StartOffset}, {"end_offset", &f.EndOffset}} {
		if v := get(p.name); v != "" {
			if *p.dst, err = strconv.ParseInt(v, 10, 64); err != nil {
				return f, &InvalidError{p.name, fmt.Sprintf("%q is not an integer", v)}
			}
		}
	}
	if v := get("partition"); v != "" {
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
			if err != nil {
				return f, &InvalidError{"partition", fmt.Sprintf("%q is not a partition number", s)}
			}
			f.Partitions = append(f.Partitions, int32(n))
		}
	}
	_, err = f.compile()
	return f, err
}

// ParseTime reads a time parameter: RFC 3339, or milliseconds since the
// epoch; "" is the zero time. field names the parameter in the error.
func ParseTime(field, v string) (time.Time, error) { return parseTime(field, v) }

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, &InvalidError{field, fmt.Sprintf("%q is neither RFC 3339 nor epoch milliseconds", v)}
	}
	return t, nil
}

// errorBody is Kafka Connect's REST error answer.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// StatusOf is the HTTP status the REST API answers err with.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrTargetMissing), errors.Is(err, ErrNoTarget):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnknownTopic):
		return http.StatusNotFound
	case errors.Is(err, ErrReplayRunning):
		return http.StatusConflict
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads this
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, err error) {
	code := StatusOf(err)
	writeJSON(w, code, errorBody{ErrorCode: code, Message: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
