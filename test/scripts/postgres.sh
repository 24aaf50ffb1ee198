#!/usr/bin/env bash
# postgres.sh makes a local PostgreSQL ready for logical decoding (pgoutput)
# on 127.0.0.1:5432 and prints the DSN tests use. Idempotent: a cluster that
# already runs with wal_level=logical is left alone; one that runs without it
# is reconfigured and restarted once; a missing server is installed (Debian:
# apt-get install postgresql) and started.
#
#   test/scripts/postgres.sh            # prints postgres://postgres:…@127.0.0.1:5432/postgres?sslmode=disable
#   PGDSN=$(test/scripts/postgres.sh)
#
# Settings written (conf.d file and ALTER SYSTEM, so either survives the
# other being reset): wal_level=logical, max_replication_slots=20,
# max_wal_senders=20, listen_addresses=127.0.0.1. The postgres role gets
# the password in SLUICE_PG_PASSWORD (default "sluice") so machines whose
# pg_hba asks for scram-sha-256 on 127.0.0.1 work too; a logical replication
# connection matches "host all" lines of pg_hba, not "replication" lines.
# A first pg_hba line makes role sluice_auth_test (which the Postgres
# connector's tests create) authenticate by password.
set -euo pipefail

PG_PORT="${SLUICE_PG_PORT:-5432}"
PG_PASSWORD="${SLUICE_PG_PASSWORD:-sluice}"
PG_START_TIMEOUT="${SLUICE_PG_START_TIMEOUT:-60}" # seconds

die() {
	echo "postgres.sh: $*" >&2
	exit 1
}

# as_postgres runs a command as the postgres OS user (this script may run as
# root, as postgres, or as a user with sudo).
as_postgres() {
	if [ "$(id -un)" = postgres ]; then
		"$@"
	elif [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		sudo -n -u postgres -- "$@"
	fi
}

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n -- "$@"; fi
}

psql_local() { as_postgres psql -X -q -At -p "$PG_PORT" -d postgres "$@"; }

install_postgres() {
	command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is missing: install PostgreSQL 15+ yourself"
	echo "postgres.sh: installing postgresql (apt-get)" >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
}

cluster_version() {
	pg_lsclusters -h 2>/dev/null | awk '$2 == "main" { print $1; exit }'
}

wait_ready() {
	local deadline=$((SECONDS + PG_START_TIMEOUT))
	until as_postgres pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; do
		[ "$SECONDS" -lt "$deadline" ] || die "PostgreSQL $V did not accept connections on 127.0.0.1:$PG_PORT within ${PG_START_TIMEOUT}s (see /var/log/postgresql/postgresql-$V-main.log)"
		sleep 0.2
	done
}

command -v pg_lsclusters >/dev/null || install_postgres
V="$(cluster_version)"
[ -n "$V" ] || die "no PostgreSQL cluster named main (pg_lsclusters); create one with pg_createcluster <version> main"

conf="/etc/postgresql/$V/main/conf.d/60-sluice-logical.conf"
want="# Written by sluice test/scripts/postgres.sh: logical decoding for the Postgres CDC connector tests.
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
listen_addresses = '127.0.0.1'"
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
	printf '%s\n' "$want" | as_root tee "$conf" >/dev/null
	as_root chown postgres:postgres "$conf" 2>/dev/null || true
fi

if ! pg_lsclusters -h | awk -v v="$V" '$1 == v && $2 == "main" { exit ($4 == "online") ? 0 : 1 }'; then
	as_postgres pg_ctlcluster --skip-systemctl-redirect "$V" main start
fi
wait_ready

psql_local <<SQL
ALTER SYSTEM SET wal_level = 'logical';
ALTER SYSTEM SET max_replication_slots = 20;
ALTER SYSTEM SET max_wal_senders = 20;
ALTER SYSTEM SET listen_addresses = '127.0.0.1';
ALTER ROLE postgres WITH PASSWORD '$PG_PASSWORD';
SQL

# The connector's tests check that a wrong password is reported: one role
# of their own always authenticates by password, whatever the other lines say.
hba="$(psql_local -c 'SHOW hba_file')"
if ! as_root grep -q '^host all sluice_auth_test ' "$hba"; then
	as_root sed -i '1i host all sluice_auth_test 127.0.0.1/32 scram-sha-256' "$hba"
fi

# pending_restart is unreliable before a reload: ask the running server.
if [ "$(psql_local -c 'SHOW wal_level')" != logical ]; then
	echo "postgres.sh: restarting PostgreSQL $V for wal_level=logical" >&2
	as_postgres pg_ctlcluster --skip-systemctl-redirect "$V" main restart
	wait_ready
	[ "$(psql_local -c 'SHOW wal_level')" = logical ] || die "wal_level is still not logical after a restart (is it set elsewhere? see SELECT * FROM pg_settings WHERE name='wal_level')"
else
	psql_local -c 'SELECT pg_reload_conf()' >/dev/null
fi

echo "postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
