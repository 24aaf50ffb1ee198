package host

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// hcLogger is the hclog.Logger go-plugin logs through, folded into slog.
//
// go-plugin logs two things through it: its own progress ("starting
// plugin", "plugin process exited"), which goes to slog at debug level (the
// host reports failures as errors instead, never both), and, through the
// logger it names after the plugin executable, each line the plugin wrote to
// stderr, which keeps the plugin's level and key/value pairs.
type hcLogger struct {
	l      *slog.Logger
	name   string
	plugin bool // this logger carries the plugin's own lines
	args   []any
}

func newHCLogger(l *slog.Logger, pluginName string) hclog.Logger {
	return &hcLogger{l: l, name: pluginName}
}

func (h *hcLogger) level(lv hclog.Level) slog.Level {
	if !h.plugin {
		return slog.LevelDebug
	}
	switch lv {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (h *hcLogger) Log(lv hclog.Level, msg string, args ...any) {
	sl := h.level(lv)
	if !h.l.Enabled(context.Background(), sl) {
		return
	}
	attrs := make([]any, 0, len(h.args)+len(args))
	attrs = append(attrs, h.args...)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == "timestamp" && h.plugin {
			continue // go-plugin's copy of the plugin's clock; slog has its own
		}
		attrs = append(attrs, args[i], args[i+1])
	}
	if h.plugin {
		attrs = append(attrs, "plugin", h.name)
	}
	h.l.Log(context.Background(), sl, msg, attrs...)
}

func (h *hcLogger) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *hcLogger) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *hcLogger) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *hcLogger) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *hcLogger) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *hcLogger) enabled(lv hclog.Level) bool {
	return h.l.Enabled(context.Background(), h.level(lv))
}
func (h *hcLogger) IsTrace() bool { return h.enabled(hclog.Trace) }
func (h *hcLogger) IsDebug() bool { return h.enabled(hclog.Debug) }
func (h *hcLogger) IsInfo() bool  { return h.enabled(hclog.Info) }
func (h *hcLogger) IsWarn() bool  { return h.enabled(hclog.Warn) }
func (h *hcLogger) IsError() bool { return h.enabled(hclog.Error) }

func (h *hcLogger) ImpliedArgs() []any { return h.args }

func (h *hcLogger) With(args ...any) hclog.Logger {
	c := *h
	c.args = append(append([]any(nil), h.args...), args...)
	return &c
}

func (h *hcLogger) Name() string { return h.name }

// Named returns the logger for the plugin's stderr lines: go-plugin names it
// after the executable.
func (h *hcLogger) Named(string) hclog.Logger {
	c := *h
	c.plugin = true
	return &c
}

func (h *hcLogger) ResetNamed(name string) hclog.Logger { return h.Named(name) }

// SetLevel is ignored: the slog handler decides.
func (h *hcLogger) SetLevel(hclog.Level) {}

// GetLevel answers Trace so go-plugin hands every line over; the slog
// handler filters.
func (h *hcLogger) GetLevel() hclog.Level { return hclog.Trace }

func (h *hcLogger) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(h.StandardWriter(opts), "", 0)
}

func (h *hcLogger) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return writerFunc(func(b []byte) (int, error) {
		h.Info(string(b))
		return len(b), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// lineLogger logs each line written to it at info level. go-plugin writes to
// it from one goroutine.
type lineLogger struct {
	l       *slog.Logger
	stream  string
	partial []byte
}

func (w *lineLogger) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.l.Info(string(w.partial[:i]), "stream", w.stream)
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 64<<10 { // a runaway line without newline
		w.l.Info(string(w.partial), "stream", w.stream)
		w.partial = nil
	}
	w.partial = append([]byte(nil), w.partial...)
	return len(b), nil
}
