// Package client is a Go client of the Kafka Connect REST API, as Sluice's
// api package serves it (and as Apache Kafka Connect does): one method per
// endpoint, the api package's types, and errors that carry Kafka's
// error_code and message.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/api"
)

// Error is a non-2xx answer: the HTTP status and Kafka's ErrorMessage body.
type Error struct {
	StatusCode int    // HTTP status
	ErrorCode  int    // "error_code" of the body (the status when no body)
	Message    string // "message" of the body
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.StatusCode)
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// Client talks to one worker's REST API. It is safe for concurrent use.
type Client struct {
	base  string
	hc    *http.Client
	user  string
	pass  string
	token string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (for TLS settings or timeouts).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithBasicAuth sends HTTP basic credentials.
func WithBasicAuth(user, password string) Option {
	return func(c *Client) { c.user, c.pass = user, password }
}

// WithToken sends a bearer token.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// New returns a client of the worker at baseURL ("http://127.0.0.1:8083").
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: strings.TrimSuffix(baseURL, "/"), hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// do sends a request and decodes a 2xx answer into out (when non-nil and
// the answer has a body). It returns the status.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) (int, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = b
	}
	return c.send(ctx, method, path, q, body, nil, out)
}

// send is do with a body already encoded and extra headers.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body []byte, hdr http.Header, out any) (int, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: read answer: %w", method, u, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{StatusCode: resp.StatusCode, ErrorCode: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
		var em api.ErrorMessage
		if json.Unmarshal(b, &em) == nil && em.Message != "" {
			e.ErrorCode, e.Message = em.ErrorCode, em.Message
		}
		return resp.StatusCode, e
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode answer: %w", method, u, err)
		}
	}
	return resp.StatusCode, nil
}

func connPath(name string, rest ...string) string {
	p := "/connectors/" + url.PathEscape(name)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// ServerInfo is GET /.
func (c *Client) ServerInfo(ctx context.Context) (api.ServerInfo, error) {
	var si api.ServerInfo
	_, err := c.do(ctx, "GET", "/", nil, nil, &si)
	return si, err
}

// Health is GET /health. A worker that is starting or unhealthy answers
// an *Error whose Message is the worker's status message.
func (c *Client) Health(ctx context.Context) (api.WorkerStatus, error) {
	var ws api.WorkerStatus
	_, err := c.do(ctx, "GET", "/health", nil, nil, &ws)
	return ws, err
}

// Connectors is GET /connectors.
func (c *Client) Connectors(ctx context.Context) ([]string, error) {
	var names []string
	_, err := c.do(ctx, "GET", "/connectors", nil, nil, &names)
	return names, err
}

// Expanded is one connector of GET /connectors?expand=…; a field is nil
// when its expansion was not asked for.
type Expanded struct {
	Info   *api.ConnectorInfo      `json:"info,omitempty"`
	Status *api.ConnectorStateInfo `json:"status,omitempty"`
}

// ConnectorsExpanded is GET /connectors?expand=status&expand=info.
func (c *Client) ConnectorsExpanded(ctx context.Context, status, info bool) (map[string]Expanded, error) {
	q := url.Values{}
	if status {
		q.Add("expand", "status")
	}
	if info {
		q.Add("expand", "info")
	}
	out := map[string]Expanded{}
	_, err := c.do(ctx, "GET", "/connectors", q, nil, &out)
	return out, err
}

// CreateConnector is POST /connectors.
func (c *Client) CreateConnector(ctx context.Context, req api.CreateConnectorRequest) (api.ConnectorInfo, error) {
	var info api.ConnectorInfo
	_, err := c.do(ctx, "POST", "/connectors", nil, req, &info)
	return info, err
}

// Connector is GET /connectors/{name}.
func (c *Client) Connector(ctx context.Context, name string) (api.ConnectorInfo, error) {
	var info api.ConnectorInfo
	_, err := c.do(ctx, "GET", connPath(name), nil, nil, &info)
	return info, err
}

// ConnectorConfig is GET /connectors/{name}/config.
func (c *Client) ConnectorConfig(ctx context.Context, name string) (map[string]string, error) {
	var cfg map[string]string
	_, err := c.do(ctx, "GET", connPath(name, "config"), nil, nil, &cfg)
	return cfg, err
}

// PutConnectorConfig is PUT /connectors/{name}/config; created tells
// whether the connector is new (201).
func (c *Client) PutConnectorConfig(ctx context.Context, name string, config map[string]string) (info api.ConnectorInfo, created bool, err error) {
	status, err := c.do(ctx, "PUT", connPath(name, "config"), nil, config, &info)
	return info, status == http.StatusCreated, err
}

// PatchConnectorConfig is PATCH /connectors/{name}/config; a nil value
// removes the property.
func (c *Client) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (api.ConnectorInfo, error) {
	var info api.ConnectorInfo
	_, err := c.do(ctx, "PATCH", connPath(name, "config"), nil, patch, &info)
	return info, err
}

// DeleteConnector is DELETE /connectors/{name}.
func (c *Client) DeleteConnector(ctx context.Context, name string) error {
	_, err := c.do(ctx, "DELETE", connPath(name), nil, nil, nil)
	return err
}

// ConnectorStatus is GET /connectors/{name}/status.
func (c *Client) ConnectorStatus(ctx context.Context, name string) (api.ConnectorStateInfo, error) {
	var st api.ConnectorStateInfo
	_, err := c.do(ctx, "GET", connPath(name, "status"), nil, nil, &st)
	return st, err
}

// TaskConfigs is GET /connectors/{name}/tasks.
func (c *Client) TaskConfigs(ctx context.Context, name string) ([]api.TaskInfo, error) {
	var tasks []api.TaskInfo
	_, err := c.do(ctx, "GET", connPath(name, "tasks"), nil, nil, &tasks)
	return tasks, err
}

// TaskStatus is GET /connectors/{name}/tasks/{task}/status.
func (c *Client) TaskStatus(ctx context.Context, name string, task int) (api.TaskState, error) {
	var st api.TaskState
	_, err := c.do(ctx, "GET", connPath(name, "tasks", strconv.Itoa(task), "status"), nil, nil, &st)
	return st, err
}

// RestartConnector is POST /connectors/{name}/restart. With either flag
// the worker answers the status to be (202); otherwise nil (204).
func (c *Client) RestartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) (*api.ConnectorStateInfo, error) {
	q := url.Values{}
	if includeTasks {
		q.Set("includeTasks", "true")
	}
	if onlyFailed {
		q.Set("onlyFailed", "true")
	}
	var st api.ConnectorStateInfo
	status, err := c.do(ctx, "POST", connPath(name, "restart"), q, nil, &st)
	if err != nil || status != http.StatusAccepted {
		return nil, err
	}
	return &st, nil
}

// PutTaskConfigs is the internal POST /connectors/{name}/tasks a follower
// sends to the leader: body is the JSON array of task configs, exactly as
// signed by signature (base64) with algorithm (e.g. "HmacSHA256").
func (c *Client) PutTaskConfigs(ctx context.Context, name string, body []byte, algorithm, signature string) error {
	hdr := http.Header{}
	if signature != "" {
		hdr.Set(api.HeaderSignature, signature)
		hdr.Set(api.HeaderSignatureAlgorithm, algorithm)
	}
	_, err := c.send(ctx, "POST", connPath(name, "tasks"), nil, body, hdr, nil)
	return err
}

// RestartTask is POST /connectors/{name}/tasks/{task}/restart.
func (c *Client) RestartTask(ctx context.Context, name string, task int) error {
	_, err := c.do(ctx, "POST", connPath(name, "tasks", strconv.Itoa(task), "restart"), nil, nil, nil)
	return err
}

// PauseConnector is PUT /connectors/{name}/pause.
func (c *Client) PauseConnector(ctx context.Context, name string) error {
	_, err := c.do(ctx, "PUT", connPath(name, "pause"), nil, nil, nil)
	return err
}

// ResumeConnector is PUT /connectors/{name}/resume.
func (c *Client) ResumeConnector(ctx context.Context, name string) error {
	_, err := c.do(ctx, "PUT", connPath(name, "resume"), nil, nil, nil)
	return err
}

// StopConnector is PUT /connectors/{name}/stop.
func (c *Client) StopConnector(ctx context.Context, name string) error {
	_, err := c.do(ctx, "PUT", connPath(name, "stop"), nil, nil, nil)
	return err
}

// ActiveTopics is GET /connectors/{name}/topics.
func (c *Client) ActiveTopics(ctx context.Context, name string) ([]string, error) {
	var out map[string]api.ActiveTopicsInfo
	_, err := c.do(ctx, "GET", connPath(name, "topics"), nil, nil, &out)
	return out[name].Topics, err
}

// ResetActiveTopics is PUT /connectors/{name}/topics/reset.
func (c *Client) ResetActiveTopics(ctx context.Context, name string) error {
	_, err := c.do(ctx, "PUT", connPath(name, "topics", "reset"), nil, nil, nil)
	return err
}

// Offsets is GET /connectors/{name}/offsets.
func (c *Client) Offsets(ctx context.Context, name string) (api.ConnectorOffsets, error) {
	var o api.ConnectorOffsets
	_, err := c.do(ctx, "GET", connPath(name, "offsets"), nil, nil, &o)
	return o, err
}

// AlterOffsets is PATCH /connectors/{name}/offsets; it returns the
// worker's message.
func (c *Client) AlterOffsets(ctx context.Context, name string, offsets []api.ConnectorOffset) (string, error) {
	var m api.Message
	_, err := c.do(ctx, "PATCH", connPath(name, "offsets"), nil, api.ConnectorOffsets{Offsets: offsets}, &m)
	return m.Message, err
}

// ResetOffsets is DELETE /connectors/{name}/offsets.
func (c *Client) ResetOffsets(ctx context.Context, name string) (string, error) {
	var m api.Message
	_, err := c.do(ctx, "DELETE", connPath(name, "offsets"), nil, nil, &m)
	return m.Message, err
}

// Signal is POST /connectors/{name}/signals (Sluice's own): signal is
// the JSON of a Debezium signal, {"type": "execute-snapshot", "data": {…}}.
func (c *Client) Signal(ctx context.Context, name string, signal []byte) (api.SignalResult, error) {
	var res api.SignalResult
	_, err := c.send(ctx, "POST", connPath(name, "signals"), nil, signal, nil, &res)
	return res, err
}

// Plugins is GET /connector-plugins?connectorsOnly=….
func (c *Client) Plugins(ctx context.Context, connectorsOnly bool) ([]api.PluginInfo, error) {
	var ps []api.PluginInfo
	q := url.Values{"connectorsOnly": {strconv.FormatBool(connectorsOnly)}}
	_, err := c.do(ctx, "GET", "/connector-plugins", q, nil, &ps)
	return ps, err
}

// PluginConfig is GET /connector-plugins/{class}/config.
func (c *Client) PluginConfig(ctx context.Context, class string) ([]api.ConfigKeyInfo, error) {
	var defs []api.ConfigKeyInfo
	_, err := c.do(ctx, "GET", "/connector-plugins/"+url.PathEscape(class)+"/config", nil, nil, &defs)
	return defs, err
}

// Validate is PUT /connector-plugins/{class}/config/validate.
func (c *Client) Validate(ctx context.Context, class string, config map[string]string) (api.ConfigInfos, error) {
	var ci api.ConfigInfos
	_, err := c.do(ctx, "PUT", "/connector-plugins/"+url.PathEscape(class)+"/config/validate", nil, config, &ci)
	return ci, err
}

// Loggers is GET /admin/loggers.
func (c *Client) Loggers(ctx context.Context) (map[string]api.LoggerLevel, error) {
	var out map[string]api.LoggerLevel
	_, err := c.do(ctx, "GET", "/admin/loggers", nil, nil, &out)
	return out, err
}

// Logger is GET /admin/loggers/{name}.
func (c *Client) Logger(ctx context.Context, name string) (api.LoggerLevel, error) {
	var l api.LoggerLevel
	_, err := c.do(ctx, "GET", "/admin/loggers/"+url.PathEscape(name), nil, nil, &l)
	return l, err
}

// SetLogger is PUT /admin/loggers/{name} on this worker; it returns the
// loggers whose level changed.
func (c *Client) SetLogger(ctx context.Context, name, level string) ([]string, error) {
	var names []string
	_, err := c.do(ctx, "PUT", "/admin/loggers/"+url.PathEscape(name), nil, map[string]string{"level": level}, &names)
	return names, err
}
