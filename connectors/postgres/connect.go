package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicehq/sluice/plugins/sdk"
)

const connectTimeout = 10 * time.Second

// sessionParams make the server's text output what the decoders expect, on
// the replication connection (pgoutput formats values in the walsender's
// session) and on ordinary ones (snapshots) alike.
var sessionParams = map[string]string{
	"application_name":   "sluice-postgres-cdc",
	"TimeZone":           "UTC",
	"DateStyle":          "ISO, MDY",
	"IntervalStyle":      "postgres",
	"extra_float_digits": "3",
	"bytea_output":       "hex",
}

func (c *config) pgxConfig() (*pgx.ConnConfig, error) {
	dsn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=%s connect_timeout=%d",
		quoteDSN(c.host), c.port, quoteDSN(c.user), quoteDSN(c.dbname), c.sslmode, int(connectTimeout.Seconds()))
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("connection settings: %w", err)
	}
	pc.Password = c.password
	for k, v := range sessionParams {
		pc.RuntimeParams[k] = v
	}
	return pc, nil
}

func quoteDSN(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// connect opens an ordinary connection.
func (c *config) connect(ctx context.Context) (*pgx.Conn, error) {
	pc, err := c.pgxConfig()
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, c.connectError(err)
	}
	return conn, nil
}

// connectReplication opens a logical replication connection
// (replication=database) to the configured database.
func (c *config) connectReplication(ctx context.Context) (*pgconn.PgConn, error) {
	pc, err := c.pgxConfig()
	if err != nil {
		return nil, err
	}
	pc.RuntimeParams["replication"] = "database"
	conn, err := pgconn.ConnectConfig(ctx, &pc.Config)
	if err != nil {
		return nil, c.connectError(err)
	}
	return conn, nil
}

// connectProblem classifies a connection failure by the property to blame.
type connectProblem struct {
	keys []string
	msg  string
	err  error
}

func (p *connectProblem) Error() string { return p.msg }
func (p *connectProblem) Unwrap() error { return p.err }

// connectError wraps a failed connect: credentials and a missing database
// are fatal (retrying cannot help), an unreachable server retriable.
func (c *config) connectError(err error) error {
	addr := net.JoinHostPort(c.host, strconv.Itoa(c.port))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return &connectProblem{keys: []string{KeyUser, KeyPassword}, err: fmt.Errorf("%w: %w", err, sdk.ErrFatal),
				msg: fmt.Sprintf("PostgreSQL at %s refused user %q: %s", addr, c.user, pgErr.Message)}
		case "3D000":
			return &connectProblem{keys: []string{KeyDBName}, err: fmt.Errorf("%w: %w", err, sdk.ErrFatal),
				msg: fmt.Sprintf("database %q does not exist on %s", c.dbname, addr)}
		}
		return &connectProblem{keys: []string{KeyHostname}, err: fmt.Errorf("%w: %w", err, sdk.ErrRetriable),
			msg: fmt.Sprintf("connect to PostgreSQL at %s: %s", addr, pgErr.Message)}
	}
	return &connectProblem{keys: []string{KeyHostname}, err: fmt.Errorf("%w: %w", err, sdk.ErrRetriable),
		msg: fmt.Sprintf("cannot reach PostgreSQL at %s: %v", addr, unwrapConnect(err))}
}

// unwrapConnect shortens pgconn's nested connect errors to their cause.
func unwrapConnect(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}
