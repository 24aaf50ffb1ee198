#!/usr/bin/env bash
# kafkajs against a freshly started broker (see kafkajs.test.js for what it
# checks). Installs node_modules with `npm ci` when missing or older than
# package-lock.json, starts a broker with test/scripts/broker.sh, runs
# `node --test`, stops the broker. Exits non-zero on failure.
#
#   test/kafkajs/run.sh
#
# Env: SLUICE_BIN (see test/scripts/broker.sh), KAFKAJS_RECORDS (default 500),
# KAFKAJS_LOG_LEVEL (NOTHING, ERROR, WARN, INFO, DEBUG; default WARN).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../scripts/broker.sh
. "$root/test/scripts/broker.sh"

die() {
	echo "kafkajs/run.sh: FAIL: $*" >&2
	exit 1
}
step() { echo "kafkajs/run.sh: $*"; }

command -v node >/dev/null || die "node not installed (want node >= 20)"
command -v npm >/dev/null || die "npm not installed"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || die "node $(node --version) is too old: want >= 20 (node:test)"

# npm ci writes node_modules/.package-lock.json; it is stale when
# package-lock.json is newer or kafkajs is missing.
stamp="$here/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ ! -d "$here/node_modules/kafkajs" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
	step "npm ci"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci"
fi

broker_start --config group.initial.rebalance.delay.ms=0
step "broker $BROKER_ADDR (pid $BROKER_PID, log $BROKER_LOG)"

rc=0
(cd "$here" && KAFKA_BROKER="$BROKER_ADDR" timeout 90 node --test --test-reporter=spec) || rc=$?
broker_stop || die "broker did not stop cleanly (log $BROKER_LOG)"
[ "$rc" -eq 0 ] || die "node --test exited with status $rc (broker log $BROKER_LOG)"
step "PASS"
