package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Handlers of /connectors and /connectors/{name}: list, create, info,
// config (GET, PUT, PATCH) and delete.

const nameConfig = "name"

func (s *Server) listConnectors(w http.ResponseWriter, r *http.Request) {
	expand := r.URL.Query()["expand"]
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		names, err := s.opts.Herder.Connectors(ctx)
		if err != nil {
			return answer{}, err
		}
		slices.Sort(names)
		if names == nil {
			names = []string{}
		}
		if expand == nil {
			return answer{http.StatusOK, names}, nil
		}
		out := make(map[string]map[string]any, len(names))
		for _, name := range names {
			exp, err := s.expand(ctx, name, expand)
			if errors.Is(err, ErrNotFound) {
				continue // deleted while we looked: leave it out, as Kafka does
			}
			if err != nil {
				return answer{}, err
			}
			out[name] = exp
		}
		return answer{http.StatusOK, out}, nil
	})
}

// expand answers one connector's ?expand=status and ?expand=info; unknown
// expansions are ignored.
func (s *Server) expand(ctx context.Context, name string, expand []string) (map[string]any, error) {
	exp := make(map[string]any, 2)
	for _, e := range expand {
		switch e {
		case "status":
			st, err := s.opts.Herder.ConnectorStatus(ctx, name)
			if err != nil {
				return nil, err
			}
			exp["status"] = st
		case "info":
			info, err := s.opts.Herder.ConnectorInfo(ctx, name)
			if err != nil {
				return nil, err
			}
			exp["info"] = s.maskInfo(ctx, info)
		}
	}
	return exp, nil
}

func (s *Server) createConnector(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req CreateConnectorRequest
	if err := decode(body, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if err := checkName(name); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Config == nil {
		s.fail(w, r, badRequest("Connector config must be specified: {\"name\": \"…\", \"config\": {\"connector.class\": \"…\", …}}"))
		return
	}
	switch req.InitialState {
	case "", TargetRunning, TargetPaused, TargetStopped:
	default:
		s.fail(w, r, badRequest("Invalid initial state %q: expected RUNNING, PAUSED or STOPPED", req.InitialState))
		return
	}
	if err := checkAndPutName(name, req.Config); err != nil {
		s.fail(w, r, err)
		return
	}
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		info, err := s.opts.Herder.CreateConnector(ctx, name, req.Config, req.InitialState)
		if err != nil {
			return answer{}, err
		}
		w.Header().Set("Location", location(r, "/connectors/"+url.PathEscape(name)))
		return answer{http.StatusCreated, s.maskInfo(ctx, info)}, nil
	})
}

// location is the absolute URL of path on the worker r was sent to, as
// JAX-RS resolves Kafka's relative Location against the request's base URI.
func location(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// checkName rejects the names Kafka's NonEmptyStringWithoutControlChars does.
func checkName(name string) error {
	if name == "" {
		return badRequest("Connector name must be specified and not empty")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return badRequest("Connector name %q contains control characters", name)
		}
	}
	return nil
}

// checkAndPutName checks that config's "name", if any, is name, and sets it
// otherwise.
func checkAndPutName(name string, config map[string]string) error {
	if n, ok := config[nameConfig]; ok {
		if n != name {
			return badRequest("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name)
		}
		return nil
	}
	config[nameConfig] = name
	return nil
}

func (s *Server) getConnector(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		info, err := s.opts.Herder.ConnectorInfo(ctx, name)
		if err != nil {
			return answer{}, err
		}
		return answer{http.StatusOK, s.maskInfo(ctx, info)}, nil
	})
}

func (s *Server) getConnectorConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		info, err := s.opts.Herder.ConnectorInfo(ctx, name)
		if err != nil {
			return answer{}, err
		}
		return answer{http.StatusOK, s.maskInfo(ctx, info).Config}, nil
	})
}

func (s *Server) putConnectorConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
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
		s.fail(w, r, badRequest("Connector config must be a JSON object"))
		return
	}
	if err := checkAndPutName(name, config); err != nil {
		s.fail(w, r, err)
		return
	}
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		info, created, err := s.opts.Herder.PutConnectorConfig(ctx, name, config)
		if err != nil {
			return answer{}, err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			w.Header().Set("Location", location(r, "/connectors/"+url.PathEscape(name)))
		}
		return answer{status, s.maskInfo(ctx, info)}, nil
	})
}

func (s *Server) patchConnectorConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var patch map[string]*string
	if err := decode(body, &patch); err != nil {
		s.fail(w, r, err)
		return
	}
	if n, ok := patch[nameConfig]; ok && (n == nil || *n != name) {
		s.fail(w, r, badRequest("Connector name configuration in the patch must be %s or absent", name))
		return
	}
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		info, err := s.opts.Herder.PatchConnectorConfig(ctx, name, patch)
		if err != nil {
			return answer{}, err
		}
		return answer{http.StatusOK, s.maskInfo(ctx, info)}, nil
	})
}

func (s *Server) deleteConnector(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		return answer{status: http.StatusNoContent}, s.opts.Herder.DeleteConnector(ctx, name)
	})
}
