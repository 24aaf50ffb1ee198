package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDir holds the PostgreSQL 15 server binaries (initdb, pg_ctl) a
// Cluster runs.
const BinDir = "/usr/lib/postgresql/15/bin"

// Cluster is a throwaway PostgreSQL cluster of one test's own, for what
// the shared server cannot be made to show (wal_level below logical, say):
// its data directory and unix socket are in a t.TempDir(), it listens on a
// free port of 127.0.0.1 with trust authentication for role postgres and
// fsync=off, and it is stopped (pg_ctl stop -m immediate) when the test
// ends. As root, it runs as the postgres OS user.
type Cluster struct {
	t    testing.TB
	dir  string // owned by the cluster's OS user: data/, server.log, the socket
	Port int
}

// StartCluster initdbs a cluster with settings ("name=value", written to
// postgresql.conf) and starts it; it returns once the server accepts
// connections.
func StartCluster(t testing.TB, settings ...string) *Cluster {
	t.Helper()
	c := &Cluster{t: t, dir: t.TempDir(), Port: freePort(t)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("cluster: PostgreSQL refuses to run as root and there is no postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// t.TempDir's parent is root's and 0700: the cluster's user must
		// pass through it.
		if err := os.Chmod(filepath.Dir(c.dir), 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	conf := []string{
		"port=" + strconv.Itoa(c.Port), "listen_addresses=127.0.0.1", "unix_socket_directories=" + c.dir, "fsync=off",
	}
	var b strings.Builder
	for _, s := range append(conf, settings...) {
		name, value, _ := strings.Cut(s, "=")
		fmt.Fprintf(&b, "%s = '%s'\n", name, strings.ReplaceAll(value, "'", "''"))
	}
	f, err := os.OpenFile(filepath.Join(c.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatalf("cluster: write postgresql.conf: %v", err)
	}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); err != nil {
			return // not running
		}
		if out, err := c.command("pg_ctl", "stop", "-D", c.data(), "-m", "immediate").CombinedOutput(); err != nil {
			t.Errorf("cluster: pg_ctl stop: %v\n%s", err, out)
		}
	})
	c.pgCtl("start")
	return c
}

// Restart restarts the server (which reads postgresql.auto.conf again)
// and waits until it accepts connections.
func (c *Cluster) Restart() {
	c.t.Helper()
	c.pgCtl("restart")
}

func (c *Cluster) pgCtl(verb string) {
	c.t.Helper()
	// -w waits for the server to accept connections; -l keeps the server
	// off pg_ctl's output, which the test reads to its end.
	c.run("pg_ctl", verb, "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "30", "-m", "fast")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		c.t.Fatalf("cluster: connect: %v\n%s", err, c.log())
	}
	conn.Close(ctx)
}

// DSN is the keyword/value connection string of database db as postgres.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s sslmode=disable", c.Port, db)
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) log() []byte {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	return b
}

// command runs a server binary as the cluster's OS user.
func (c *Cluster) command(bin string, args ...string) *exec.Cmd {
	path := filepath.Join(BinDir, bin)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd
}

func (c *Cluster) run(bin string, args ...string) {
	c.t.Helper()
	if out, err := c.command(bin, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("cluster: %s: %v\n%s\n%s", bin, err, out, c.log())
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
