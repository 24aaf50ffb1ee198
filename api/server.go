package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options configure a Server. Herder is required; the rest have defaults.
type Options struct {
	Herder Herder
	// Version and Commit are shown by GET /.
	Version string
	Commit  string
	// Loggers backs /admin/loggers; a fresh registry at INFO when nil.
	Loggers *Loggers
	// Metrics serves /metrics (e.g. promhttp.HandlerFor(registry, …));
	// /metrics answers 404 when nil.
	Metrics http.Handler
	// RequestTimeout bounds each herder call (Kafka's 90 s by default).
	RequestTimeout time.Duration
	// HealthTimeout bounds GET /health's herder call (10 s by default).
	HealthTimeout time.Duration
	// ForwardClient sends requests to the leader; it must trust the other
	// workers' certificates when they serve TLS. A client with
	// RequestTimeout as its timeout by default.
	ForwardClient *http.Client
	// DLQ, when set, serves /dlq and /dlq/… (the dead-letter queue API,
	// dlq.NewHandler); those paths answer 404 when nil.
	DLQ http.Handler
	// Auth, when non-nil, requires credentials on every path but /health.
	Auth *Auth
	// TLSCertFile and TLSKeyFile, when set, make Serve and ListenAndServe
	// speak HTTPS.
	TLSCertFile, TLSKeyFile string
	// Logger receives request failures; discarded when nil.
	Logger *slog.Logger
}

// Server is the REST API. It is safe for concurrent use and keeps no state
// of its own beyond the logger registry it was given; all fields are set by
// New and never written again.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	handler http.Handler
	http    *http.Server
}

// New returns a Server for opts.
func New(opts Options) (*Server, error) {
	if opts.Herder == nil {
		return nil, errors.New("api: Options.Herder is nil")
	}
	if opts.Loggers == nil {
		opts.Loggers = NewLoggers(slog.LevelInfo)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 90 * time.Second
	}
	if opts.HealthTimeout <= 0 {
		opts.HealthTimeout = 10 * time.Second
	}
	if opts.ForwardClient == nil {
		opts.ForwardClient = &http.Client{Timeout: opts.RequestTimeout}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.routes()
	var h http.Handler = http.HandlerFunc(s.dispatch)
	if opts.Auth != nil {
		h = opts.Auth.wrap(h)
	}
	s.handler = h
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve answers connections from l until Shutdown, over TLS when
// Options.TLSCertFile is set. It returns http.ErrServerClosed after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	if s.opts.TLSCertFile != "" {
		return s.http.ServeTLS(l, s.opts.TLSCertFile, s.opts.TLSKeyFile)
	}
	return s.http.Serve(l)
}

// ListenAndServe listens on addr ("host:port") and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("api: listen %s: %w", addr, err)
	}
	return s.Serve(l)
}

// Shutdown stops Serve, waiting for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// dispatch routes r, answering unknown paths 404 and wrong methods 405 with
// Kafka's error body (Jersey's "HTTP 404 Not Found" wording).
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		switch probe.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeError(w, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			h.ServeHTTP(w, r) // path cleaning redirects
		default:
			writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		}
		return
	}
	s.mux.ServeHTTP(w, r)
}

// statusProbe records the status the mux's fallback handler would write.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }

// herderCtx bounds one herder call by the request timeout.
func (s *Server) herderCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.opts.RequestTimeout)
}

// writeJSON writes v as the answer with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(ErrorMessage{ErrorCode: code, Message: msg})
	w.Write(b)
}

// fail answers err, forwarding nothing (see forward for NotLeaderError).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := statusOf(err)
	if code == http.StatusInternalServerError {
		s.opts.Logger.Error("REST request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, code, msg)
}

// maxBody bounds request bodies: connector configs are small.
const maxBody = 4 << 20

// readBody reads r's body so it can be decoded and, if needed, forwarded.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &restError{http.StatusBadRequest, "Cannot read request body: " + err.Error()}
	}
	if len(b) > maxBody {
		return nil, &restError{http.StatusRequestEntityTooLarge, "Request body exceeds 4 MiB"}
	}
	return b, nil
}

// decode parses body into v. A body that is not JSON answers 500, as
// Kafka's Jackson provider does; an empty body is a 400.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("Request body is empty; expected JSON")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &restError{http.StatusInternalServerError, "Cannot parse JSON request body: " + err.Error()}
	}
	return nil
}
