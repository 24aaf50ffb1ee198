package api

import "context"

// Herder is what the REST layer needs from a worker cluster. A standalone
// herder answers everything itself; a distributed herder answers reads from
// its replica of the config and status topics and writes on the group
// leader only.
//
// Contract for implementers:
//   - Every method is synchronous and honours ctx: the server bounds each
//     call with its request timeout and answers 500 "Request timed out"
//     when ctx expires first. A write that returns an error has not been
//     applied (nothing half-written to the configs topic).
//   - Errors carry a sentinel (errors.Is) that picks the HTTP status; build
//     them with Errorf so the message shown to users is Kafka's wording,
//     e.g. Errorf(ErrNotFound, "Connector %s not found", name).
//   - A write that must run on the leader returns &NotLeaderError{LeaderURL}
//     on a follower; the server forwards the request there. LeaderURL is
//     the leader's advertised REST base URL ("http://host:8083"); empty
//     when no leader is known (answered 409).
//   - Writes during a rebalance return ErrRebalanceInProgress (409).
//   - Configs are returned unmasked: the server masks PASSWORD properties
//     using PluginConfig of the connector's class.
//   - Lists may be returned in any order; the server sorts names.
type Herder interface {
	// Connectors lists the names of all connectors.
	Connectors(ctx context.Context) ([]string, error)
	// ConnectorInfo returns a connector's config, tasks and type
	// (ErrNotFound if unknown).
	ConnectorInfo(ctx context.Context, name string) (ConnectorInfo, error)
	// CreateConnector creates a connector (ErrAlreadyExists if the name is
	// taken) whose target state is initial (RUNNING when empty). Invalid
	// configs are ErrBadRequest naming every bad property. config already
	// holds "name".
	CreateConnector(ctx context.Context, name string, config map[string]string, initial TargetState) (ConnectorInfo, error)
	// PutConnectorConfig creates or replaces a connector's config; created
	// tells which happened.
	PutConnectorConfig(ctx context.Context, name string, config map[string]string) (info ConnectorInfo, created bool, err error)
	// PatchConnectorConfig merges patch into an existing connector's config
	// (KIP-477): a nil value removes the property. ErrNotFound if unknown.
	PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (ConnectorInfo, error)
	// DeleteConnector removes a connector, its tasks and their statuses.
	DeleteConnector(ctx context.Context, name string) error

	// ConnectorStatus returns the connector's and its tasks' runtime states.
	ConnectorStatus(ctx context.Context, name string) (ConnectorStateInfo, error)
	// TaskStatus returns one task's state (ErrNotFound if unknown).
	TaskStatus(ctx context.Context, id TaskID) (TaskState, error)
	// TaskConfigs returns the configs the connector generated for its tasks.
	TaskConfigs(ctx context.Context, name string) ([]TaskInfo, error)

	// RestartConnector restarts the connector and, with IncludeTasks, its
	// tasks; with OnlyFailed only the FAILED ones (KIP-745). It returns the
	// status with the instances to be restarted marked RESTARTING; the
	// server ignores it when both flags are false (Kafka answers 204).
	RestartConnector(ctx context.Context, req RestartRequest) (ConnectorStateInfo, error)
	// RestartTask restarts one task.
	RestartTask(ctx context.Context, id TaskID) error
	// PauseConnector, ResumeConnector and StopConnector set the target state;
	// they are idempotent. Stop also shuts the tasks down (KIP-875).
	PauseConnector(ctx context.Context, name string) error
	ResumeConnector(ctx context.Context, name string) error
	StopConnector(ctx context.Context, name string) error

	// ActiveTopics lists the topics the connector used since the last reset
	// (KIP-558); ErrForbidden when topic tracking is disabled.
	ActiveTopics(ctx context.Context, name string) ([]string, error)
	// ResetActiveTopics forgets them.
	ResetActiveTopics(ctx context.Context, name string) error

	// Offsets returns the connector's committed offsets (KIP-875).
	Offsets(ctx context.Context, name string) (ConnectorOffsets, error)
	// AlterOffsets and ResetOffsets change them; both need the connector
	// STOPPED (ErrConnectorNotStopped otherwise) and return the success
	// message shown to the user.
	AlterOffsets(ctx context.Context, name string, offsets []ConnectorOffset) (string, error)
	ResetOffsets(ctx context.Context, name string) (string, error)

	// Signal produces value, a Debezium signal ParseSignal accepted, to
	// the connector's Kafka signal channel (SignalTarget: its signal
	// topic, created with one partition when missing, keyed by its
	// topic.prefix) and says where it went. ErrNotFound for an unknown
	// connector, ErrBadRequest when it does not read the kafka channel.
	// Any worker may answer it.
	Signal(ctx context.Context, name string, value []byte) (SignalResult, error)

	// Plugins lists installed plugins: only sources and sinks when
	// connectorsOnly.
	Plugins(ctx context.Context, connectorsOnly bool) ([]PluginInfo, error)
	// PluginConfig returns a plugin's config definitions, including the
	// framework's connector-level ones (ErrNotFound for an unknown class).
	// The server also uses it to find PASSWORD properties to mask.
	PluginConfig(ctx context.Context, class string) ([]ConfigKeyInfo, error)
	// Validate checks config against the plugin class's definitions and
	// names every problem by property. config["connector.class"] == class.
	Validate(ctx context.Context, class string, config map[string]string) (ConfigInfos, error)

	// Worker reports this worker's readiness and its view of the group. It
	// must be answered by the loop that serves the other requests, so a
	// stuck herder makes GET /health time out and answer "unhealthy".
	Worker(ctx context.Context) (WorkerState, error)
}

// WorkerState is one worker's view of itself and its group.
type WorkerState struct {
	// Ready is set once the worker completed startup: joined the group
	// and read the config topic to its end. Until then /health answers 503.
	Ready bool
	// Details says what a worker that is not ready is doing.
	Details string
	// WorkerID is this worker's id (its advertised REST host:port).
	WorkerID string
	// KafkaClusterID is the id of the Kafka cluster holding the internal
	// topics, shown by GET /.
	KafkaClusterID string
	// LeaderURL is the group leader's REST base URL, empty if unknown.
	LeaderURL string
	// IsLeader is set on the group leader.
	IsLeader bool
	// Rebalancing is set between JoinGroup and the end of SyncGroup.
	Rebalancing bool
	// Generation is the group generation of the last completed rebalance.
	Generation int32
}

// ClusterLoggers is implemented by herders that can set a logger's level on
// every worker (PUT /admin/loggers/{name}?scope=cluster, KIP-976).
type ClusterLoggers interface {
	SetClusterLoggerLevel(ctx context.Context, namespace, level string) error
}

// TaskConfigSink is implemented by distributed herders: a follower that
// runs a connector sends the task configs it generated to the leader with
// POST /connectors/{name}/tasks, Kafka Connect's internal endpoint. The
// herder checks the signature with the session key it shares with the
// group (Kafka's InternalRequestSignature: ErrBadRequest when missing,
// ErrForbidden when wrong) before writing the configs.
type TaskConfigSink interface {
	PutTaskConfigs(ctx context.Context, name string, configs []map[string]string, sig InternalSignature) error
}

// InternalSignature is the signature of an internal request, from the
// X-Connect-Authorization and X-Connect-Request-Signature-Algorithm
// headers, with the exact body it signs.
type InternalSignature struct {
	Algorithm string // e.g. "HmacSHA256"; empty when the request had none
	Signature string // base64, as sent
	Body      []byte
}

// Headers of an internal request's signature, as Kafka names them.
const (
	HeaderSignature          = "X-Connect-Authorization"
	HeaderSignatureAlgorithm = "X-Connect-Request-Signature-Algorithm"
)
