package api

// The REST entities, field for field and in the order Kafka Connect's
// Jackson output writes them (org.apache.kafka.connect.runtime.rest.entities).

// ConnectorType is "source", "sink" or "unknown".
type ConnectorType string

const (
	TypeSource  ConnectorType = "source"
	TypeSink    ConnectorType = "sink"
	TypeUnknown ConnectorType = "unknown"
)

// TargetState is the state a user asks a connector to be in; it is also the
// initial_state of a create request (KIP-980).
type TargetState string

const (
	TargetRunning TargetState = "RUNNING"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// Runtime states of connectors and tasks, as Kafka Connect names them.
const (
	StateUnassigned = "UNASSIGNED"
	StateRunning    = "RUNNING"
	StatePaused     = "PAUSED"
	StateStopped    = "STOPPED"
	StateFailed     = "FAILED"
	StateRestarting = "RESTARTING"
)

// TaskID names one task of a connector (Kafka's ConnectorTaskId).
type TaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// ConnectorInfo is GET /connectors/{name}.
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []TaskID          `json:"tasks"`
	Type   ConnectorType     `json:"type"`
}

// CreateConnectorRequest is the body of POST /connectors.
type CreateConnectorRequest struct {
	Name         string            `json:"name"`
	Config       map[string]string `json:"config"`
	InitialState TargetState       `json:"initial_state,omitempty"`
}

// ConnectorState is the connector part of a status answer. Trace is the
// stack (or error chain) of a FAILED connector; Kafka omits it when empty.
type ConnectorState struct {
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// TaskState is GET /connectors/{name}/tasks/{id}/status.
type TaskState struct {
	ID       int    `json:"id"`
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// ConnectorStateInfo is GET /connectors/{name}/status.
type ConnectorStateInfo struct {
	Name      string         `json:"name"`
	Connector ConnectorState `json:"connector"`
	Tasks     []TaskState    `json:"tasks"`
	Type      ConnectorType  `json:"type"`
}

// TaskInfo is one element of GET /connectors/{name}/tasks.
type TaskInfo struct {
	ID     TaskID            `json:"id"`
	Config map[string]string `json:"config"`
}

// ActiveTopicsInfo is the value of GET /connectors/{name}/topics, which
// answers {"NAME": {"topics": [...]}}.
type ActiveTopicsInfo struct {
	Topics []string `json:"topics"`
}

// RestartRequest is POST /connectors/{name}/restart's query (KIP-745).
type RestartRequest struct {
	Connector    string
	IncludeTasks bool
	OnlyFailed   bool
}

// ConnectorOffset is one source partition (or sink topic partition) and its
// offset (KIP-875). A nil Offset in an alter request resets the partition.
type ConnectorOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

// ConnectorOffsets is GET/PATCH /connectors/{name}/offsets.
type ConnectorOffsets struct {
	Offsets []ConnectorOffset `json:"offsets"`
}

// Message is the answer of an offsets alter or reset.
type Message struct {
	Message string `json:"message"`
}

// PluginInfo is one element of GET /connector-plugins. Version is omitted
// when unknown, as Kafka omits "undefined".
type PluginInfo struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

// Plugin types, as Kafka's PluginType.toString names them.
const (
	PluginSource          = "source"
	PluginSink            = "sink"
	PluginConverter       = "converter"
	PluginHeaderConverter = "header_converter"
	PluginTransformation  = "transformation"
	PluginPredicate       = "predicate"
)

// ConfigKeyInfo is a configuration property's definition (Kafka's
// ConfigKeyInfo): GET /connector-plugins/{type}/config answers a list of
// them, and each validate result carries one.
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"` // STRING, INT, PASSWORD, …
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"` // null when Required
	Importance    string   `json:"importance"`    // HIGH, MEDIUM, LOW
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	Width         string   `json:"width"` // NONE, SHORT, MEDIUM, LONG
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
	Order         int      `json:"order"`
}

// ConfigValueInfo is a property's validated value.
type ConfigValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// ConfigInfo pairs a definition and a value.
type ConfigInfo struct {
	Definition ConfigKeyInfo   `json:"definition"`
	Value      ConfigValueInfo `json:"value"`
}

// ConfigInfos is PUT /connector-plugins/{type}/config/validate: every
// problem named by property, ErrorCount their total.
type ConfigInfos struct {
	Name       string       `json:"name"`
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []ConfigInfo `json:"configs"`
}

// ServerInfo is GET /.
type ServerInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

// WorkerStatus is GET /health (Kafka 3.9, KIP-1017).
type WorkerStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// LoggerLevel is one logger of GET /admin/loggers. LastModified is the
// Unix time in milliseconds of the last change over REST, null if never.
type LoggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// ErrorMessage is every error answer's body.
type ErrorMessage struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// Hidden replaces the value of a PASSWORD-typed property in answers.
const Hidden = "[hidden]"
