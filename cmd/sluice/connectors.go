package main

// connectors.go is `sluice connectors`: Kafka Connect's REST API from the
// command line, through api/client. Results print as tables, or with
// -o json as the REST API's own JSON.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
)

const defaultREST = "http://127.0.0.1:8083"

// restOptions are the flags every connectors subcommand shares.
type restOptions struct {
	url     string
	output  string
	timeout time.Duration
	user    string
	token   string
	caFile  string
}

func (o *restOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&o.url, "rest", envOr("SLUICE_REST", defaultREST), "base URL of a worker's REST API (env SLUICE_REST)")
	f.StringVarP(&o.output, "output", "o", formatTable, "output format: table or json")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up on the worker after this long")
	f.StringVar(&o.user, "user", envOr("SLUICE_REST_USER", ""), "HTTP basic user; the password is read from env SLUICE_REST_PASSWORD (env SLUICE_REST_USER)")
	f.StringVar(&o.token, "token", envOr("SLUICE_REST_TOKEN", ""), "bearer token (env SLUICE_REST_TOKEN)")
	f.StringVar(&o.caFile, "ca-file", envOr("SLUICE_REST_CA", ""), "PEM file of the CA that signed the worker's certificate (env SLUICE_REST_CA)")
}

// client builds the REST client the flags describe.
func (o *restOptions) client() (*client.Client, error) {
	hc := &http.Client{Timeout: o.timeout}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, fmt.Errorf("read --ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", o.caFile)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	opts := []client.Option{client.WithHTTPClient(hc)}
	if o.user != "" {
		opts = append(opts, client.WithBasicAuth(o.user, os.Getenv("SLUICE_REST_PASSWORD")))
	}
	if o.token != "" {
		opts = append(opts, client.WithToken(o.token))
	}
	return client.New(o.url, opts...), nil
}

// run calls fn with a client and prints its result.
func (o *restOptions) run(cmd *cobra.Command, fn func(ctx context.Context, c *client.Client) (tabular, error)) error {
	if err := checkFormat(o.output); err != nil {
		return err
	}
	c, err := o.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	res, err := fn(ctx, c)
	if err != nil {
		return err
	}
	return writeOutput(cmd.OutOrStdout(), o.output, res)
}

func newConnectorsCmd() *cobra.Command {
	o := &restOptions{}
	cmd := &cobra.Command{
		Use:   "connectors",
		Short: "Manage connectors through a worker's Kafka Connect REST API",
	}
	o.register(cmd)
	cmd.AddCommand(
		newConnectorsListCmd(o),
		newConnectorsCreateCmd(o),
		newConnectorsGetCmd(o),
		newConnectorsConfigCmd(o),
		newConnectorsStatusCmd(o),
		newConnectorsStateCmd(o, "pause", "paused", (*client.Client).PauseConnector),
		newConnectorsStateCmd(o, "resume", "resumed", (*client.Client).ResumeConnector),
		newConnectorsStateCmd(o, "stop", "stopped", (*client.Client).StopConnector),
		newConnectorsStateCmd(o, "delete", "deleted", (*client.Client).DeleteConnector),
		newConnectorsRestartCmd(o),
		newConnectorsOffsetsCmd(o),
		newConnectorsSignalCmd(o),
		newConnectorsPluginsCmd(o),
	)
	return cmd
}

func newConnectorsListCmd(o *restOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List connectors with their state and tasks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				m, err := c.ConnectorsExpanded(ctx, true, false)
				return connectorList(m), err
			})
		},
	}
}

func newConnectorsCreateCmd(o *restOptions) *cobra.Command {
	var file, initial string
	cmd := &cobra.Command{
		Use:   "create -f FILE",
		Short: "Create a connector from a Kafka Connect JSON file ({\"name\",\"config\"}) or a .properties file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return fmt.Errorf("create needs -f FILE")
			}
			req, err := readConnectorFile(file)
			if err != nil {
				return err
			}
			if initial != "" {
				req.InitialState = api.TargetState(strings.ToUpper(initial))
			}
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				info, err := c.CreateConnector(ctx, req)
				return connectorInfo(info), err
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "connector definition: .json (Kafka Connect's create request, or a bare config with \"name\") or .properties")
	cmd.Flags().StringVar(&initial, "initial-state", "", "RUNNING, PAUSED or STOPPED (default RUNNING)")
	return cmd
}

// readConnectorFile reads a create request from JSON or .properties.
func readConnectorFile(path string) (api.CreateConnectorRequest, error) {
	var req api.CreateConnectorRequest
	if strings.EqualFold(filepath.Ext(path), ".properties") {
		pf, err := readProps(path)
		if err != nil {
			return req, err
		}
		req.Name, req.Config = pf.props["name"], pf.props
	} else {
		b, err := os.ReadFile(path)
		if err != nil {
			return req, err
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(b, &probe); err != nil {
			return req, fmt.Errorf("%s: not a JSON object: %w", path, err)
		}
		if _, ok := probe["config"]; ok {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				return req, fmt.Errorf("%s: %w", path, err)
			}
		} else if err := json.Unmarshal(b, &req.Config); err != nil {
			return req, fmt.Errorf("%s: expected {\"name\": …, \"config\": {…}} or a flat map of string properties: %w", path, err)
		} else {
			req.Name = req.Config["name"]
		}
	}
	if req.Name == "" {
		return req, fmt.Errorf("%s: no connector name (set \"name\")", path)
	}
	return req, nil
}

func newConnectorsGetCmd(o *restOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME",
		Short: "Show a connector's type, tasks and config",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				info, err := c.Connector(ctx, args[0])
				return connectorInfo(info), err
			})
		},
	}
}

func newConnectorsConfigCmd(o *restOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "config NAME",
		Short: "Show a connector's config (secrets are shown as [hidden])",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				cfg, err := c.ConnectorConfig(ctx, args[0])
				return connectorConfig(cfg), err
			})
		},
	}
}

func newConnectorsStatusCmd(o *restOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "status NAME",
		Short: "Show the state of a connector and its tasks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				st, err := c.ConnectorStatus(ctx, args[0])
				return connectorStatus(st), err
			})
		},
	}
}

// newConnectorsStateCmd is pause, resume, stop and delete: one name, one call.
func newConnectorsStateCmd(o *restOptions, verb, done string, call func(*client.Client, context.Context, string) error) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " NAME",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a connector",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				if err := call(c, ctx, args[0]); err != nil {
					return nil, err
				}
				return actionDone{Connector: args[0], Action: done}, nil
			})
		},
	}
}

func newConnectorsRestartCmd(o *restOptions) *cobra.Command {
	var includeTasks, onlyFailed bool
	task := -1
	cmd := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart a connector (and its tasks with --include-tasks), or one task with --task",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				name := args[0]
				if cmd.Flags().Changed("task") {
					if err := c.RestartTask(ctx, name, task); err != nil {
						return nil, err
					}
					return actionDone{Connector: name, Action: "restarted", Task: &task}, nil
				}
				st, err := c.RestartConnector(ctx, name, includeTasks, onlyFailed)
				if err != nil {
					return nil, err
				}
				return actionDone{Connector: name, Action: "restarted", Status: st}, nil
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&includeTasks, "include-tasks", false, "restart the connector's tasks too")
	f.BoolVar(&onlyFailed, "only-failed", false, "restart only instances that are FAILED")
	f.IntVar(&task, "task", -1, "restart only this task")
	return cmd
}

func newConnectorsOffsetsCmd(o *restOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "offsets NAME",
		Short: "Show a connector's committed offsets",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				offs, err := c.Offsets(ctx, args[0])
				return connectorOffsets(offs), err
			})
		},
	}
}

func newConnectorsPluginsCmd(o *restOptions) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "List installed connector plugins (all plugin types with --all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				ps, err := c.Plugins(ctx, !all)
				return pluginList(ps), err
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include converters, transformations and predicates")
	return cmd
}

// Results. Each marshals to the REST API's JSON and renders as a table.

type connectorList map[string]client.Expanded

func (l connectorList) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "NAME", "TYPE", "STATE", "TASKS", "WORKER")
	for _, name := range slices.Sorted(maps.Keys(l)) {
		st := l[name].Status
		if st == nil {
			tableRow(tw, name, "-", "-", "-", "-")
			continue
		}
		running := 0
		for _, t := range st.Tasks {
			if t.State == api.StateRunning {
				running++
			}
		}
		tableRow(tw, name, st.Type, st.Connector.State, fmt.Sprintf("%d/%d running", running, len(st.Tasks)), st.Connector.WorkerID)
	}
	return tw.Flush()
}

type connectorInfo api.ConnectorInfo

func (i connectorInfo) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "NAME:", i.Name)
	tableRow(tw, "TYPE:", i.Type)
	tableRow(tw, "TASKS:", len(i.Tasks))
	if err := tw.Flush(); err != nil {
		return err
	}
	io.WriteString(w, "\n")
	return connectorConfig(i.Config).writeTable(w)
}

type connectorConfig map[string]string

func (c connectorConfig) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "PROPERTY", "VALUE")
	for _, k := range slices.Sorted(maps.Keys(c)) {
		tableRow(tw, k, c[k])
	}
	return tw.Flush()
}

type connectorStatus api.ConnectorStateInfo

func (s connectorStatus) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "INSTANCE", "STATE", "WORKER", "TRACE")
	tableRow(tw, s.Name+" ("+string(s.Type)+")", s.Connector.State, s.Connector.WorkerID, firstLine(s.Connector.Trace))
	for _, t := range s.Tasks {
		tableRow(tw, "task "+strconv.Itoa(t.ID), t.State, t.WorkerID, firstLine(t.Trace))
	}
	return tw.Flush()
}

// firstLine shortens a stack trace to its first line for tables; -o json
// shows it whole.
func firstLine(s string) string {
	if s == "" {
		return "-"
	}
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// actionDone reports a state change; Status is the restart answer's.
type actionDone struct {
	Connector string                  `json:"connector"`
	Action    string                  `json:"action"`
	Task      *int                    `json:"task,omitempty"`
	Status    *api.ConnectorStateInfo `json:"status,omitempty"`
}

func (a actionDone) writeTable(w io.Writer) error {
	if a.Task != nil {
		fmt.Fprintf(w, "Task %d of connector %s %s.\n", *a.Task, a.Connector, a.Action)
		return nil
	}
	fmt.Fprintf(w, "Connector %s %s.\n", a.Connector, a.Action)
	if a.Status != nil {
		io.WriteString(w, "\n")
		return connectorStatus(*a.Status).writeTable(w)
	}
	return nil
}

type connectorOffsets api.ConnectorOffsets

func (o connectorOffsets) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "PARTITION", "OFFSET")
	for _, off := range o.Offsets {
		p, _ := json.Marshal(off.Partition)
		v, _ := json.Marshal(off.Offset)
		tableRow(tw, string(p), string(v))
	}
	return tw.Flush()
}

type pluginList []api.PluginInfo

func (l pluginList) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "CLASS", "TYPE", "VERSION")
	for _, p := range l {
		tableRow(tw, p.Class, p.Type, cellOrDash(p.Version))
	}
	return tw.Flush()
}
