package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Handlers of /connector-plugins, / and /health.

func (s *Server) listPlugins(w http.ResponseWriter, r *http.Request) {
	connectorsOnly := true
	if v := r.URL.Query().Get("connectorsOnly"); v != "" {
		connectorsOnly = strings.EqualFold(v, "true")
	}
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		ps, err := s.opts.Herder.Plugins(ctx, connectorsOnly)
		if err != nil {
			return answer{}, err
		}
		slices.SortFunc(ps, func(a, b PluginInfo) int { return strings.Compare(a.Class, b.Class) })
		if ps == nil {
			ps = []PluginInfo{}
		}
		return answer{http.StatusOK, ps}, nil
	})
}

func (s *Server) pluginConfig(w http.ResponseWriter, r *http.Request) {
	class := r.PathValue("class")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		defs, err := s.opts.Herder.PluginConfig(ctx, class)
		if defs == nil {
			defs = []ConfigKeyInfo{}
		}
		return answer{http.StatusOK, defs}, err
	})
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	class := r.PathValue("class")
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var config map[string]string
	if err := decode(body, &config); err != nil {
		s.fail(w, r, err)
		return
	}
	if config == nil {
		config = map[string]string{}
	}
	if inc, ok := config[connectorClassConfig]; ok && !strings.HasSuffix(aliasOf(inc), aliasOf(class)) {
		s.fail(w, r, badRequest("Included connector type %s does not match request type %s", inc, class))
		return
	}
	config[connectorClassConfig] = class
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		ci, err := s.opts.Herder.Validate(ctx, class, config)
		return answer{http.StatusOK, maskValidation(ci)}, err
	})
}

// aliasOf drops a "Connector" suffix, so "FileStreamSource" matches
// "org.apache.kafka.connect.file.FileStreamSourceConnector".
func aliasOf(class string) string {
	if a, ok := strings.CutSuffix(class, "Connector"); ok && a != "" {
		return a
	}
	return class
}

func (s *Server) serverInfo(w http.ResponseWriter, r *http.Request) {
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		ws, err := s.opts.Herder.Worker(ctx)
		return answer{http.StatusOK, ServerInfo{Version: s.opts.Version, Commit: s.opts.Commit, KafkaClusterID: ws.KafkaClusterID}}, err
	})
}

// Kafka's /health wording (WorkerStatus).
const (
	msgHealthy   = "Worker has completed startup and is ready to handle requests."
	msgStarting  = "Worker is still starting up."
	msgUnhealthy = "Worker was unable to handle this request and may be unable to handle other requests."
)

// health answers 200 healthy, 503 starting (not Ready, or ErrStarting) or
// 500 unhealthy (a herder that does not answer in time, or fails).
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.HealthTimeout)
	defer cancel()
	ws, err := s.opts.Herder.Worker(ctx)
	switch {
	case errors.Is(err, ErrStarting):
		writeJSON(w, http.StatusServiceUnavailable, WorkerStatus{"starting", withDetails(msgStarting, ws.Details)})
	case errors.Is(err, context.DeadlineExceeded):
		details := fmt.Sprintf("The worker did not answer within %s.", s.opts.HealthTimeout)
		writeJSON(w, http.StatusInternalServerError, WorkerStatus{"unhealthy", withDetails(msgUnhealthy, details)})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, WorkerStatus{"unhealthy", withDetails(msgUnhealthy, err.Error())})
	case !ws.Ready:
		writeJSON(w, http.StatusServiceUnavailable, WorkerStatus{"starting", withDetails(msgStarting, ws.Details)})
	default:
		writeJSON(w, http.StatusOK, WorkerStatus{"healthy", msgHealthy})
	}
}

func withDetails(msg, details string) string {
	if details == "" {
		return msg
	}
	return msg + " " + details
}
