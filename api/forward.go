package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// answer is what a handler's herder call produced: a status and a body
// (nil for none).
type answer struct {
	status int
	body   any
}

// leaderCall runs call and writes its answer. When the herder says it is
// not the leader, the request (method, path, query, body, credentials) is
// forwarded to the leader and the leader's answer relayed, as Kafka's
// HerderRequestHandler does. The forward query flag bounds the hops: a
// user's request (no flag) is sent on with forward=true, which may be
// forwarded once more with forward=false, which may not.
func (s *Server) leaderCall(w http.ResponseWriter, r *http.Request, body []byte, call func(ctx context.Context) (answer, error)) {
	ctx, cancel := s.herderCtx(r)
	defer cancel()
	a, err := call(ctx)
	if err == nil {
		if a.body == nil {
			w.WriteHeader(a.status)
			return
		}
		writeJSON(w, a.status, a.body)
		return
	}
	var nl *NotLeaderError
	if !errors.As(err, &nl) {
		s.fail(w, r, err)
		return
	}
	if nl.LeaderURL == "" {
		writeError(w, http.StatusConflict, msgNoLeader)
		return
	}
	var next string
	switch r.URL.Query().Get("forward") {
	case "":
		next = "true"
	case "true":
		next = "false"
	default:
		writeError(w, http.StatusConflict, msgTooManyHops)
		return
	}
	s.forward(ctx, w, r, body, nl.LeaderURL, next)
}

// forwardHeaders are the request headers a forwarded request keeps.
var forwardHeaders = []string{"Content-Type", "Accept", "Authorization", HeaderSignature, HeaderSignatureAlgorithm}

func (s *Server) forward(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, leader, next string) {
	q := r.URL.Query()
	q.Set("forward", next)
	u := strings.TrimSuffix(leader, "/") + r.URL.EscapedPath() + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, r.Method, u, bytes.NewReader(body))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Cannot forward request to the leader: "+err.Error())
		return
	}
	for _, h := range forwardHeaders {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := s.opts.ForwardClient.Do(req)
	if err != nil {
		s.opts.Logger.Warn("forwarding to the leader failed", "leader", leader, "err", err)
		writeError(w, http.StatusInternalServerError, "IO Error trying to forward REST request: "+err.Error())
		return
	}
	defer resp.Body.Close()
	if v := resp.Header.Get("Content-Type"); v != "" {
		w.Header().Set("Content-Type", v)
	}
	// The Location names the leader; the user asked this worker.
	if v := resp.Header.Get("Location"); v != "" {
		if u, err := url.Parse(v); err == nil {
			w.Header().Set("Location", location(r, u.EscapedPath()))
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}
