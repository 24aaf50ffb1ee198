package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// Handlers of a connector's runtime: status, tasks, restart, pause, resume,
// stop, active topics and offsets.

func (s *Server) connectorStatus(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		st, err := s.opts.Herder.ConnectorStatus(ctx, name)
		if st.Tasks == nil {
			st.Tasks = []TaskState{}
		}
		return answer{http.StatusOK, st}, err
	})
}

func (s *Server) taskConfigs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		tasks, err := s.opts.Herder.TaskConfigs(ctx, name)
		if err != nil {
			return answer{}, err
		}
		out := make([]TaskInfo, len(tasks))
		var secret map[string]bool
		if len(tasks) > 0 {
			if info, err := s.opts.Herder.ConnectorInfo(ctx, name); err == nil {
				secret = s.secretKeys(ctx, info.Config)
			}
		}
		for i, t := range tasks {
			t.Config = masked(t.Config, secret)
			out[i] = t
		}
		return answer{http.StatusOK, out}, nil
	})
}

// putTaskConfigs is the internal endpoint a follower uses to hand the
// leader the task configs of a connector it runs; 404 when the herder is
// not a distributed one.
func (s *Server) putTaskConfigs(w http.ResponseWriter, r *http.Request) {
	sink, ok := s.opts.Herder.(TaskConfigSink)
	if !ok {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	name := r.PathValue("name")
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var configs []map[string]string
	if err := decode(body, &configs); err != nil {
		s.fail(w, r, err)
		return
	}
	sig := InternalSignature{
		Algorithm: r.Header.Get(HeaderSignatureAlgorithm),
		Signature: r.Header.Get(HeaderSignature),
		Body:      body,
	}
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		return answer{status: http.StatusNoContent}, sink.PutTaskConfigs(ctx, name, configs, sig)
	})
}

// taskID reads {name} and {task}; a task that is not an integer is an
// unknown path, as Jersey answers for an Integer path parameter.
func taskID(r *http.Request) (TaskID, bool) {
	n, err := strconv.Atoi(r.PathValue("task"))
	return TaskID{Connector: r.PathValue("name"), Task: n}, err == nil
}

func (s *Server) taskStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := taskID(r)
	if !ok {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		st, err := s.opts.Herder.TaskStatus(ctx, id)
		return answer{http.StatusOK, st}, err
	})
}

func (s *Server) restartTask(w http.ResponseWriter, r *http.Request) {
	id, ok := taskID(r)
	if !ok {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		return answer{status: http.StatusNoContent}, s.opts.Herder.RestartTask(ctx, id)
	})
}

// restartConnector is KIP-745 (flags parsed as Jersey parses a Boolean:
// "true" in any case is true, anything else false): with neither flag it restarts only the
// connector and answers 204; otherwise 202 with the status marking what
// restarts.
func (s *Server) restartConnector(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := RestartRequest{Connector: r.PathValue("name")}
	req.IncludeTasks = strings.EqualFold(q.Get("includeTasks"), "true")
	req.OnlyFailed = strings.EqualFold(q.Get("onlyFailed"), "true")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		st, err := s.opts.Herder.RestartConnector(ctx, req)
		if err != nil {
			return answer{}, err
		}
		if !req.IncludeTasks && !req.OnlyFailed {
			return answer{status: http.StatusNoContent}, nil
		}
		if st.Tasks == nil {
			st.Tasks = []TaskState{}
		}
		return answer{http.StatusAccepted, st}, nil
	})
}

func (s *Server) pauseConnector(w http.ResponseWriter, r *http.Request) {
	s.targetState(w, r, http.StatusAccepted, s.opts.Herder.PauseConnector)
}

func (s *Server) resumeConnector(w http.ResponseWriter, r *http.Request) {
	s.targetState(w, r, http.StatusAccepted, s.opts.Herder.ResumeConnector)
}

// stopConnector answers 204 where pause and resume answer 202, as Kafka.
func (s *Server) stopConnector(w http.ResponseWriter, r *http.Request) {
	s.targetState(w, r, http.StatusNoContent, s.opts.Herder.StopConnector)
}

func (s *Server) targetState(w http.ResponseWriter, r *http.Request, status int, set func(context.Context, string) error) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		return answer{status: status}, set(ctx, name)
	})
}

func (s *Server) activeTopics(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		topics, err := s.opts.Herder.ActiveTopics(ctx, name)
		if topics == nil {
			topics = []string{}
		}
		return answer{http.StatusOK, map[string]ActiveTopicsInfo{name: {Topics: topics}}}, err
	})
}

func (s *Server) resetActiveTopics(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		return answer{status: http.StatusAccepted}, s.opts.Herder.ResetActiveTopics(ctx, name)
	})
}

func (s *Server) getOffsets(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		offs, err := s.opts.Herder.Offsets(ctx, name)
		if offs.Offsets == nil {
			offs.Offsets = []ConnectorOffset{}
		}
		return answer{http.StatusOK, offs}, err
	})
}

func (s *Server) alterOffsets(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var offs ConnectorOffsets
	if err := decode(body, &offs); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(offs.Offsets) == 0 {
		s.fail(w, r, badRequest("Partitions / offsets need to be provided for an alter offsets request"))
		return
	}
	s.leaderCall(w, r, body, func(ctx context.Context) (answer, error) {
		msg, err := s.opts.Herder.AlterOffsets(ctx, name, offs.Offsets)
		return answer{http.StatusOK, Message{msg}}, err
	})
}

func (s *Server) resetOffsets(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.leaderCall(w, r, nil, func(ctx context.Context) (answer, error) {
		msg, err := s.opts.Herder.ResetOffsets(ctx, name)
		return answer{http.StatusOK, Message{msg}}, err
	})
}
