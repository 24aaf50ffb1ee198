package distributed

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/runtime/cluster"
)

// Task configs reach the configs topic through the leader, as in Kafka
// Connect: the worker that owns a connector computes its task configs and,
// when it is not the leader, POSTs them to the leader's
// /connectors/{name}/tasks, signed with the group's session key (KIP-507:
// HMAC of the body, X-Connect-Authorization and
// X-Connect-Request-Signature-Algorithm). The leader writes the session
// key to the configs topic and rotates it every inter.worker.key.ttl.ms.

// signatureAlgorithm is the only one Sluice signs and verifies with.
const signatureAlgorithm = "HmacSHA256"

var _ api.TaskConfigSink = (*Herder)(nil)

// sign returns the signature of body with k.
func sign(k *cluster.SessionKey, body []byte) string {
	mac := hmac.New(sha256.New, k.Key)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// verify checks an internal request's signature against the session key,
// with Kafka's answers.
func verify(k *cluster.SessionKey, sig api.InternalSignature) error {
	if sig.Algorithm == "" || sig.Signature == "" {
		return api.Errorf(api.ErrBadRequest, "Internal request missing required signature")
	}
	if sig.Algorithm != signatureAlgorithm {
		return api.Errorf(api.ErrBadRequest, "This worker does not support the '%s' key signing algorithm used by other workers. "+
			"This worker is currently configured to use: [%s]. Check that all workers' configuration files permit the same set of signature algorithms, "+
			"and correct any misconfigured worker and restart it.", sig.Algorithm, signatureAlgorithm)
	}
	if k == nil {
		return errRebalancing // no key yet: the leader writes one on its first round
	}
	got, err := base64.StdEncoding.DecodeString(sig.Signature)
	want := hmac.New(sha256.New, k.Key)
	want.Write(sig.Body)
	if err != nil || !hmac.Equal(got, want.Sum(nil)) {
		return api.Errorf(api.ErrForbidden, "Internal request contained invalid signature.")
	}
	return nil
}

// PutTaskConfigs implements api.TaskConfigSink: the leader writes the task
// configs a follower computed, once the signature checks out.
func (h *Herder) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string, sig api.InternalSignature) error {
	_, err := write(ctx, h, func(t *tick) (struct{}, error) {
		s := h.configs.Snapshot()
		if err := verify(s.SessionKey, sig); err != nil {
			return struct{}{}, err
		}
		if _, ok := s.Connectors[name]; !ok {
			return struct{}{}, notFound(name)
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		return struct{}{}, h.configs.PutTaskConfigs(wctx, name, configs)
	})
	return err
}

// ensureSessionKey writes a new session key when this worker leads and
// the key is missing or older than inter.worker.key.ttl.ms.
func (t *tick) ensureSessionKey(ctx context.Context) {
	if !t.leader || !t.ready {
		return
	}
	k := t.h.configs.Snapshot().SessionKey
	if k != nil && time.Since(k.Created) < t.h.cfg.KeyTTL {
		return
	}
	key := make([]byte, 32)
	rand.Read(key)
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := t.h.configs.PutSessionKey(wctx, cluster.SessionKey{Key: key, Algorithm: signatureAlgorithm, Created: time.Now()}); err != nil {
		t.h.logger.Warn("write session key failed", "err", err)
		return
	}
	t.h.logger.Info("session key written", "ttl", t.h.cfg.KeyTTL)
}

// sendTasks hands a connector's task configs to the leader from a
// follower, off the tick goroutine; a failure makes the tick loop compute
// and send them again after a backoff.
func (t *tick) sendTasks(ctx context.Context, name string, cfgs []map[string]string) {
	leader := t.leaderURL
	key := t.h.configs.Snapshot().SessionKey
	attempt := t.sendFailures[name]
	t.h.bg.Go(func() {
		err := t.h.postTasks(ctx, leader, key, name, cfgs)
		if err == nil {
			return
		}
		t.h.logger.Warn("sending task configs to the leader failed; retrying", "connector", name, "leader", leader, "err", err)
		backoff := min(100*time.Millisecond<<min(attempt, 6), 5*time.Second)
		if !wait(ctx, backoff) {
			return
		}
		select {
		case t.h.requests <- func(t *tick) {
			t.sendFailures[name]++
			delete(t.computed, name)
			t.reconcile(ctx)
		}:
		case <-ctx.Done():
		}
	})
}

// postTasks is the follower's POST /connectors/{name}/tasks.
func (h *Herder) postTasks(ctx context.Context, leader string, key *cluster.SessionKey, name string, cfgs []map[string]string) error {
	if key == nil {
		return fmt.Errorf("no session key yet")
	}
	if cfgs == nil {
		cfgs = []map[string]string{}
	}
	body, err := json.Marshal(cfgs)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, leader+"/connectors/"+url.PathEscape(name)+"/tasks", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.HeaderSignature, sign(key, body))
	req.Header.Set(api.HeaderSignatureAlgorithm, signatureAlgorithm)
	resp, err := h.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("POST %s: %s: %s", req.URL.Redacted(), resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
