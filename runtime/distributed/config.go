package distributed

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/cluster"
)

// Distributed worker property names, as Kafka Connect's DistributedConfig.
const (
	GroupIDConfig            = "group.id"
	ConfigTopicConfig        = "config.storage.topic"
	OffsetTopicConfig        = "offset.storage.topic"
	StatusTopicConfig        = "status.storage.topic"
	ConfigReplicationConfig  = "config.storage.replication.factor"
	OffsetReplicationConfig  = "offset.storage.replication.factor"
	StatusReplicationConfig  = "status.storage.replication.factor"
	OffsetPartitionsConfig   = "offset.storage.partitions"
	StatusPartitionsConfig   = "status.storage.partitions"
	AdvertisedHostConfig     = "rest.advertised.host.name"
	AdvertisedPortConfig     = "rest.advertised.port"
	AdvertisedListenerConfig = "rest.advertised.listener" // http only
	RestHostConfig           = "rest.host.name"
	RestPortConfig           = "rest.port"
	ListenersConfig          = "listeners"
	MaxDelayConfig           = "scheduled.rebalance.max.delay.ms"
	HeartbeatConfig          = "heartbeat.interval.ms"
	SessionTimeoutConfig     = "session.timeout.ms"
	RebalanceTimeoutConfig   = "rebalance.timeout.ms"

	// Sluice's own REST security properties (Kafka configures TLS with
	// Java keystores under listeners.https.ssl.* and authentication with
	// JAAS REST extensions; Sluice takes PEM files and plain files).
	TopicTrackingConfig      = "topic.tracking.enable"
	TopicTrackingResetConfig = "topic.tracking.allow.reset"
	KeyTTLConfig             = "inter.worker.key.ttl.ms"
	SignatureAlgorithmConfig = "inter.worker.signature.algorithm"

	RestTLSCertConfig        = "rest.tls.cert.file"
	RestTLSKeyConfig         = "rest.tls.key.file"
	RestTLSCAConfig          = "rest.tls.ca.file"
	RestAuthCredentialConfig = "rest.auth.credentials.file"
	RestAuthTokensConfig     = "rest.auth.tokens.file"
)

func intIn(lo, hi int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be an integer in [%d, %d]", lo, hi)
		}
		return nil
	}
}

// replication accepts -1 (the broker's default, KIP-464) or a positive factor.
func replication(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
	if err != nil || (n != -1 && n < 1) {
		return fmt.Errorf("must be -1 or >= 1")
	}
	return nil
}

// ConfigDef declares the distributed worker's own properties; the rest are
// runtime.WorkerConfigDef's.
func ConfigDef() *sdk.ConfigDef {
	ms := intIn(0, 1<<31-1)
	return sdk.NewConfigDef().
		Define(sdk.Key{Name: GroupIDConfig, Type: sdk.String, Required: true, Importance: sdk.High,
			Doc: "Unique string that identifies the Connect cluster group this worker belongs to.", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: ConfigTopicConfig, Type: sdk.String, Default: cluster.DefaultConfigTopic, Importance: sdk.High,
			Doc: "Compacted topic (one partition) holding connector and task configurations.", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: OffsetTopicConfig, Type: sdk.String, Default: cluster.DefaultOffsetTopic, Importance: sdk.High,
			Doc: "Compacted topic holding source connector offsets.", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: StatusTopicConfig, Type: sdk.String, Default: cluster.DefaultStatusTopic, Importance: sdk.High,
			Doc: "Compacted topic holding connector and task statuses.", Validator: sdk.NonEmpty}).
		Define(sdk.Key{Name: ConfigReplicationConfig, Type: sdk.Short, Default: "-1", Importance: sdk.Low,
			Doc: "Replication factor of the configs topic when created; -1 takes the broker's default.", Validator: replication}).
		Define(sdk.Key{Name: OffsetReplicationConfig, Type: sdk.Short, Default: "-1", Importance: sdk.Low,
			Doc: "Replication factor of the offsets topic when created; -1 takes the broker's default.", Validator: replication}).
		Define(sdk.Key{Name: StatusReplicationConfig, Type: sdk.Short, Default: "-1", Importance: sdk.Low,
			Doc: "Replication factor of the status topic when created; -1 takes the broker's default.", Validator: replication}).
		Define(sdk.Key{Name: OffsetPartitionsConfig, Type: sdk.Int, Default: strconv.Itoa(cluster.OffsetPartitions), Importance: sdk.Low,
			Doc: "Partitions of the offsets topic when created.", Validator: intIn(1, 1<<20)}).
		Define(sdk.Key{Name: StatusPartitionsConfig, Type: sdk.Int, Default: strconv.Itoa(cluster.StatusPartitions), Importance: sdk.Low,
			Doc: "Partitions of the status topic when created.", Validator: intIn(1, 1<<20)}).
		Define(sdk.Key{Name: AdvertisedHostConfig, Type: sdk.String, Default: "", Importance: sdk.Low,
			Doc: "Host name other workers use to reach this worker's REST API; defaults to the listener's host."}).
		Define(sdk.Key{Name: AdvertisedPortConfig, Type: sdk.Int, Default: "", Importance: sdk.Low,
			Doc: "Port other workers use to reach this worker's REST API; defaults to the listener's port."}).
		Define(sdk.Key{Name: ListenersConfig, Type: sdk.List, Default: "http://127.0.0.1:8083", Importance: sdk.Low,
			Doc: "REST listener URL, http:// or https:// (the first one is advertised unless rest.advertised.* say otherwise)."}).
		Define(sdk.Key{Name: TopicTrackingConfig, Type: sdk.Boolean, Default: "true", Importance: sdk.Low,
			Doc: "Record the topics each connector uses (KIP-558) in the status topic; GET /connectors/{name}/topics answers 403 when off."}).
		Define(sdk.Key{Name: TopicTrackingResetConfig, Type: sdk.Boolean, Default: "true", Importance: sdk.Low,
			Doc: "Allow PUT /connectors/{name}/topics/reset (403 when off)."}).
		Define(sdk.Key{Name: KeyTTLConfig, Type: sdk.Long, Default: "3600000", Importance: sdk.Low,
			Doc: "How long the leader's session key signs internal requests (KIP-507) before the leader writes a new one.", Validator: intIn(1000, 1<<62)}).
		Define(sdk.Key{Name: SignatureAlgorithmConfig, Type: sdk.String, Default: signatureAlgorithm, Importance: sdk.Low,
			Doc: "MAC algorithm of internal request signatures; Sluice supports HmacSHA256.", Validator: func(v string) error {
				if strings.TrimSpace(v) != signatureAlgorithm {
					return fmt.Errorf("only %s is supported", signatureAlgorithm)
				}
				return nil
			}}).
		Define(sdk.Key{Name: RestTLSCertConfig, Type: sdk.String, Default: "", Importance: sdk.Medium,
			Doc: "PEM certificate (chain) the REST API serves HTTPS with; required by an https:// listener."}).
		Define(sdk.Key{Name: RestTLSKeyConfig, Type: sdk.String, Default: "", Importance: sdk.Medium,
			Doc: "PEM private key of " + RestTLSCertConfig + "."}).
		Define(sdk.Key{Name: RestTLSCAConfig, Type: sdk.String, Default: "", Importance: sdk.Medium,
			Doc: "PEM certificates trusted when this worker sends requests to other workers (forwarding to the leader); the system's roots when empty."}).
		Define(sdk.Key{Name: RestAuthCredentialConfig, Type: sdk.String, Default: "", Importance: sdk.Medium,
			Doc: "File of user:password lines; when set, the REST API requires HTTP basic authentication (except GET /health)."}).
		Define(sdk.Key{Name: RestAuthTokensConfig, Type: sdk.String, Default: "", Importance: sdk.Medium,
			Doc: "File of bearer tokens, one a line; when set, the REST API accepts them (except GET /health needs none)."}).
		Define(sdk.Key{Name: MaxDelayConfig, Type: sdk.Int, Default: strconv.FormatInt(cluster.DefaultMaxDelay.Milliseconds(), 10), Importance: sdk.Medium,
			Doc: "How long a departed worker's connectors and tasks wait for it to come back before they move (Sluice default 30s; Kafka's is 5 minutes).", Validator: ms}).
		Define(sdk.Key{Name: HeartbeatConfig, Type: sdk.Int, Default: "3000", Importance: sdk.High,
			Doc: "Expected time between heartbeats to the group coordinator.", Validator: intIn(1, 1<<31-1)}).
		Define(sdk.Key{Name: SessionTimeoutConfig, Type: sdk.Int, Default: "10000", Importance: sdk.High,
			Doc: "Time without heartbeat after which the coordinator removes the worker from the group.", Validator: intIn(1, 1<<31-1)}).
		Define(sdk.Key{Name: RebalanceTimeoutConfig, Type: sdk.Int, Default: "60000", Importance: sdk.High,
			Doc: "Longest time a worker may take to rejoin during a rebalance.", Validator: intIn(1, 1<<31-1)})
}

// Config is a validated distributed worker configuration.
type Config struct {
	Worker  *runtime.WorkerConfig
	GroupID string
	// Topics of the internal stores.
	ConfigTopic, OffsetTopic, StatusTopic                   string
	ConfigReplication, OffsetReplication, StatusReplication int16
	OffsetPartitions, StatusPartitions                      int32
	// URL is this worker's advertised REST base URL ("http://host:port");
	// WorkerID is its host:port, the worker_id of statuses.
	URL, WorkerID    string
	MaxDelay         time.Duration
	Heartbeat        time.Duration
	SessionTimeout   time.Duration
	RebalanceTimeout time.Duration
	// TopicTracking and TopicTrackingReset are topic.tracking.enable and
	// topic.tracking.allow.reset.
	TopicTracking, TopicTrackingReset bool
	// KeyTTL is inter.worker.key.ttl.ms: the session key's lifetime.
	KeyTTL time.Duration
	// REST security (see RESTOptions): PEM files, and auth files.
	TLSCertFile, TLSKeyFile, TLSCAFile  string
	AuthCredentialsFile, AuthTokensFile string
}

// placeholderOffsetFile satisfies runtime.ParseWorkerConfig's standalone
// requirement; the distributed worker stores offsets in OffsetTopic.
const placeholderOffsetFile = "(offset.storage.topic)"

// ParseConfig validates a distributed worker's properties. Every invalid
// property is named in the returned *runtime.ConfigError; unknown
// properties come back as warnings.
func ParseConfig(props map[string]string) (*Config, []string, error) {
	props = maps.Clone(props)
	if props[runtime.OffsetFileConfig] == "" {
		props[runtime.OffsetFileConfig] = placeholderOffsetFile
	}
	def := ConfigDef()
	problems := def.Validate(props)
	if problems == nil {
		problems = map[string][]string{}
	}
	wc, warns, werr := runtime.ParseWorkerConfig(props)
	var warnings []string
	for _, w := range warns {
		// runtime warns that distributed keys are ignored in standalone mode.
		if slices.ContainsFunc(def.Keys(), func(k sdk.Key) bool { return strings.Contains(w, " "+k.Name+" ") }) {
			continue
		}
		warnings = append(warnings, w)
	}
	if werr != nil {
		if ce, ok := werr.(*runtime.ConfigError); ok {
			for k, v := range ce.Problems {
				problems[k] = append(problems[k], v...)
			}
		} else {
			return nil, warnings, werr
		}
	}
	c := &Config{Worker: wc}
	val := func(k string) string { return strings.TrimSpace(def.Value(props, k)) }
	num := func(k string) int64 { n, _ := strconv.ParseInt(val(k), 10, 64); return n }
	if len(problems) == 0 {
		c.GroupID = val(GroupIDConfig)
		c.ConfigTopic, c.OffsetTopic, c.StatusTopic = val(ConfigTopicConfig), val(OffsetTopicConfig), val(StatusTopicConfig)
		c.ConfigReplication = int16(num(ConfigReplicationConfig))
		c.OffsetReplication = int16(num(OffsetReplicationConfig))
		c.StatusReplication = int16(num(StatusReplicationConfig))
		c.OffsetPartitions, c.StatusPartitions = int32(num(OffsetPartitionsConfig)), int32(num(StatusPartitionsConfig))
		c.MaxDelay = time.Duration(num(MaxDelayConfig)) * time.Millisecond
		c.Heartbeat = time.Duration(num(HeartbeatConfig)) * time.Millisecond
		c.SessionTimeout = time.Duration(num(SessionTimeoutConfig)) * time.Millisecond
		c.RebalanceTimeout = time.Duration(num(RebalanceTimeoutConfig)) * time.Millisecond
		c.KeyTTL = time.Duration(num(KeyTTLConfig)) * time.Millisecond
		c.TopicTracking = strings.EqualFold(val(TopicTrackingConfig), "true")
		c.TopicTrackingReset = strings.EqualFold(val(TopicTrackingResetConfig), "true")
		if c.Heartbeat >= c.SessionTimeout {
			problems[HeartbeatConfig] = append(problems[HeartbeatConfig], "must be lower than "+SessionTimeoutConfig)
		}
		scheme, host, port, err := advertised(val(ListenersConfig), val(AdvertisedHostConfig), val(AdvertisedPortConfig))
		if err != nil {
			problems[ListenersConfig] = append(problems[ListenersConfig], err.Error())
		}
		c.WorkerID = net.JoinHostPort(host, port)
		c.URL = scheme + "://" + c.WorkerID
		c.TLSCertFile, c.TLSKeyFile, c.TLSCAFile = val(RestTLSCertConfig), val(RestTLSKeyConfig), val(RestTLSCAConfig)
		c.AuthCredentialsFile, c.AuthTokensFile = val(RestAuthCredentialConfig), val(RestAuthTokensConfig)
		if scheme == "https" && (c.TLSCertFile == "" || c.TLSKeyFile == "") {
			problems[RestTLSCertConfig] = append(problems[RestTLSCertConfig], "an https:// listener needs "+RestTLSCertConfig+" and "+RestTLSKeyConfig)
		}
		if scheme == "http" && c.TLSCertFile != "" {
			problems[ListenersConfig] = append(problems[ListenersConfig], RestTLSCertConfig+" is set: the listener must be https://")
		}
	}
	if len(problems) > 0 {
		return nil, warnings, &runtime.ConfigError{What: "worker config", Problems: problems}
	}
	return c, warnings, nil
}

// advertised picks the REST scheme, host and port other workers use.
func advertised(listeners, host, port string) (string, string, string, error) {
	first, _, _ := strings.Cut(listeners, ",")
	first = strings.TrimSpace(first)
	scheme, rest, ok := strings.Cut(first, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return "", "", "", fmt.Errorf("first listener %q must be http://host:port or https://host:port", first)
	}
	lh, lp, err := net.SplitHostPort(rest)
	if err != nil {
		return "", "", "", fmt.Errorf("first listener %q: %v", first, err)
	}
	if host == "" {
		host = lh
	}
	if port == "" {
		port = lp
	}
	return scheme, host, port, nil
}

// ListenAddr is the host:port the first listener binds.
func ListenAddr(listeners string) string {
	first, _, _ := strings.Cut(listeners, ",")
	_, rest, _ := strings.Cut(strings.TrimSpace(first), "://")
	return rest
}
