package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Name, alias and version of the connector.
const (
	Name          = "PostgresCdcSource"
	DebeziumAlias = "io.debezium.connector.postgresql.PostgresConnector"
	Version       = "1.0.0"
)

// Connector is the PostgresCdcSource connector.
type Connector struct{}

// New returns the PostgresCdcSource connector.
func New() *Connector { return &Connector{} }

var _ sdk.SourceConnector = (*Connector)(nil)

// Spec implements sdk.Connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{Name: Name, Version: Version, Kind: sdk.Source, Config: configDef(), Aliases: []string{DebeziumAlias}}
}

// TaskConfigs implements sdk.Connector: one replication slot is read by one
// task, whatever tasks.max says.
func (c *Connector) TaskConfigs(_ context.Context, cfg map[string]string, maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, fmt.Errorf("postgres: tasks.max %d is less than 1", maxTasks)
	}
	if _, err := parseConfig(cfg); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return []map[string]string{maps.Clone(cfg)}, nil
}

// NewTask implements sdk.SourceConnector.
func (c *Connector) NewTask() sdk.SourceTask { return newTask() }

const validateTimeout = 10 * time.Second

// Validate implements sdk.Connector: with a configuration the ConfigDef
// accepts, it connects and reports, by property, what would stop the
// connector from starting: an unreachable server, refused credentials, a
// missing database, wal_level below logical, a user without REPLICATION,
// a slot of another database or plugin, a missing publication when
// autocreation is disabled.
func (c *Connector) Validate(ctx context.Context, cfg map[string]string) map[string][]string {
	conf, err := parseConfig(cfg)
	if err != nil {
		// The ConfigDef's answer says what is wrong with single keys;
		// the checks across keys are reported here.
		return crossProblems(configDef(), cfg)
	}
	ctx, cancel := context.WithTimeout(ctx, validateTimeout)
	defer cancel()
	problems := map[string][]string{}
	add := func(key, msg string) { problems[key] = append(problems[key], msg) }
	conn, err := conf.connect(ctx)
	if err != nil {
		var p *connectProblem
		if errors.As(err, &p) {
			for _, k := range p.keys {
				add(k, p.msg)
			}
		} else {
			add(KeyHostname, err.Error())
		}
		return problems
	}
	defer conn.Close(context.Background())
	checkServer(ctx, conn, conf, add)
	if len(problems) == 0 {
		return nil
	}
	return problems
}

func checkServer(ctx context.Context, conn *pgx.Conn, conf *config, add func(key, msg string)) {
	var walLevel string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&walLevel); err != nil {
		add(KeyHostname, fmt.Sprintf("read wal_level: %v", err))
		return
	}
	if walLevel != "logical" {
		add(KeyHostname, fmt.Sprintf("the server's wal_level is %q, logical decoding needs wal_level=logical: "+
			"ALTER SYSTEM SET wal_level = logical (or set it in postgresql.conf) and restart PostgreSQL", walLevel))
	}
	var super, repl bool
	if err := conn.QueryRow(ctx, "SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user").Scan(&super, &repl); err != nil {
		add(KeyUser, fmt.Sprintf("read the privileges of %q: %v", conf.user, err))
		return
	}
	if !super && !repl {
		add(KeyUser, fmt.Sprintf("user %q has neither the REPLICATION attribute nor superuser: ALTER ROLE %s WITH REPLICATION",
			conf.user, pgx.Identifier{conf.user}.Sanitize()))
	}
	if conf.publicationMode == PublicationAllTables && !super {
		var exists bool
		_ = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)", conf.publication).Scan(&exists)
		if !exists {
			add(KeyPublicationMode, fmt.Sprintf("creating publication %q FOR ALL TABLES needs superuser; create it beforehand, or use %s=filtered",
				conf.publication, KeyPublicationMode))
		}
	}
	if conf.publicationMode == PublicationDisabled {
		var exists bool
		_ = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)", conf.publication).Scan(&exists)
		if !exists {
			add(KeyPublicationName, fmt.Sprintf("publication %q does not exist and %s=disabled", conf.publication, KeyPublicationMode))
		}
	}
	slot, err := querySlot(ctx, conn, conf.slot)
	if err == nil && slot != nil {
		if p := conf.slotProblem(slot); p != "" {
			add(KeySlotName, p)
		}
	}
}
