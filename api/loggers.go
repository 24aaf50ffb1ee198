package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Loggers is a registry of named log levels, the Go counterpart of log4j's
// logger hierarchy behind /admin/loggers. Components ask it for the
// *slog.LevelVar of their name (dotted, like "sluice.runtime.worker") and
// hand it to their slog handler; a REST change takes effect at once.
// A name inherits the level of its nearest registered ancestor when first
// asked for, else root's.
type Loggers struct {
	now func() time.Time
	mu  struct {
		sync.Mutex
		loggers map[string]*namedLevel
	}
}

type namedLevel struct {
	level    slog.LevelVar
	modified *int64 // Unix ms of the last REST change
}

// RootLogger is the name of the root logger, as Kafka keeps it.
const RootLogger = "root"

// NewLoggers returns a registry whose root logger is at root.
func NewLoggers(root slog.Level) *Loggers {
	l := &Loggers{now: time.Now}
	l.mu.loggers = map[string]*namedLevel{RootLogger: {}}
	l.mu.loggers[RootLogger].level.Set(root)
	return l
}

// WithClock makes l stamp changes with now instead of time.Now (tests).
func (l *Loggers) WithClock(now func() time.Time) *Loggers {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = now
	return l
}

// Level returns name's level variable, registering name if needed.
func (l *Loggers) Level(name string) *slog.LevelVar {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &l.lookupLocked(name).level
}

func (l *Loggers) lookupLocked(name string) *namedLevel {
	if strings.EqualFold(name, RootLogger) {
		name = RootLogger
	}
	if n, ok := l.mu.loggers[name]; ok {
		return n
	}
	parent := l.mu.loggers[RootLogger]
	for p := name; ; {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
		if a, ok := l.mu.loggers[p]; ok {
			parent = a
			break
		}
	}
	n := &namedLevel{}
	n.level.Set(parent.level.Level())
	l.mu.loggers[name] = n
	return n
}

// All returns every registered logger's level.
func (l *Loggers) All() map[string]LoggerLevel {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]LoggerLevel, len(l.mu.loggers))
	for name, n := range l.mu.loggers {
		out[name] = LoggerLevel{Level: LevelName(n.level.Level()), LastModified: n.modified}
	}
	return out
}

// Get returns one logger's level.
func (l *Loggers) Get(name string) (LoggerLevel, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.EqualFold(name, RootLogger) {
		name = RootLogger
	}
	n, ok := l.mu.loggers[name]
	if !ok {
		return LoggerLevel{}, false
	}
	return LoggerLevel{Level: LevelName(n.level.Level()), LastModified: n.modified}, true
}

// Set sets level on namespace and every registered logger whose name starts
// with it (all loggers for "root"), and returns their names, sorted.
func (l *Loggers) Set(namespace string, level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.EqualFold(namespace, RootLogger) {
		namespace = ""
	} else {
		l.lookupLocked(namespace)
	}
	ms := l.now().UnixMilli()
	var names []string
	for name, n := range l.mu.loggers {
		if namespace == "" || strings.HasPrefix(name, namespace) {
			n.level.Set(level)
			n.modified = &ms
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// log4j level names and their slog equivalents.
var levels = []struct {
	name  string
	level slog.Level
}{
	{"OFF", math.MaxInt32},
	{"FATAL", slog.LevelError + 4},
	{"ERROR", slog.LevelError},
	{"WARN", slog.LevelWarn},
	{"INFO", slog.LevelInfo},
	{"DEBUG", slog.LevelDebug},
	{"TRACE", slog.LevelDebug - 4},
	{"ALL", math.MinInt32},
}

// ParseLevel parses a log4j level name (any case).
func ParseLevel(s string) (slog.Level, bool) {
	for _, l := range levels {
		if strings.EqualFold(s, l.name) {
			return l.level, true
		}
	}
	return 0, false
}

// LevelName names level as log4j does, rounding down to a named level.
func LevelName(level slog.Level) string {
	for _, l := range levels {
		if level >= l.level {
			return l.name
		}
	}
	return "ALL"
}

func (s *Server) listLoggers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.opts.Loggers.All())
}

func (s *Server) getLogger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("logger")
	ll, ok := s.opts.Loggers.Get(name)
	if !ok {
		writeError(w, http.StatusNotFound, "Logger "+name+" not found.")
		return
	}
	writeJSON(w, http.StatusOK, ll)
}

// setLogger is PUT /admin/loggers/{name}?scope=worker|cluster (KIP-976).
func (s *Server) setLogger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("logger")
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req map[string]string
	if err := decode(body, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	levelStr, ok := req["level"]
	if !ok {
		writeError(w, http.StatusBadRequest, "Desired 'level' parameter was not specified in request.")
		return
	}
	level, ok := ParseLevel(levelStr)
	if !ok {
		writeError(w, http.StatusNotFound, "invalid log level '"+levelStr+"'.")
		return
	}
	if strings.EqualFold(r.URL.Query().Get("scope"), "cluster") {
		cl, ok := s.opts.Herder.(ClusterLoggers)
		if !ok {
			writeError(w, http.StatusBadRequest, "This worker cannot set logger levels cluster-wide; use scope=worker on each worker.")
			return
		}
		s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
			return answer{status: http.StatusNoContent}, cl.SetClusterLoggerLevel(ctx, name, strings.ToUpper(levelStr))
		})
		return
	}
	writeJSON(w, http.StatusOK, s.opts.Loggers.Set(name, level))
}
