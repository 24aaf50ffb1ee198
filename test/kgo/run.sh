#!/usr/bin/env bash
# Runs franz-go's own kgo integration suite against a freshly started broker.
#
#   test/kgo/run.sh [extra go test flags, e.g. -run TestGroupETL]
#
# Env: SLUICE_BIN (see test/scripts/broker.sh), KGO_TIMEOUT (go test -timeout,
# default 15m), KGO_TEST_RECORDS (records per ETL test; kgo's default when
# unset), KGO_LOG_LEVEL. Tests listed in test/kgo/excluded.txt are skipped.
# The full go test -v output is kept in test/.cache/kgo/last.log.
set -euo pipefail
trap 'echo "kgo/run.sh: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=SCRIPTDIR/../scripts/broker.sh
. "$root/test/scripts/broker.sh"

die() {
	echo "kgo/run.sh: $*" >&2
	exit 1
}

# The suite is the franz-go module the repository depends on, in the module
# cache. It must run from pkg/kgo: one test reads ./config.go.
kgo_dir="$(cd "$root" && go list -m -f '{{.Dir}}' github.com/twmb/franz-go)/pkg/kgo" ||
	die "cannot locate github.com/twmb/franz-go in the module cache (go list -m failed)"
[ -f "$kgo_dir/config.go" ] || die "$kgo_dir/config.go missing: run 'go mod download github.com/twmb/franz-go' in $root"

# One test name per line; everything after # is the reason.
skip="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/excluded.txt" | grep -v '^$' | paste -sd '|' || true)"
skip_args=()
[ -z "$skip" ] || skip_args=(-skip "^($skip)\$")

broker_start --config group.initial.rebalance.delay.ms=0
echo "kgo/run.sh: broker $BROKER_ADDR (pid $BROKER_PID, log $BROKER_LOG); skipping: ${skip:-nothing}"

# Private log while running (scripts may run concurrently), copied to
# test/.cache/kgo/last.log at the end.
log="$BROKER_TMP/kgo-test.log"
last="$root/test/.cache/kgo/last.log"
mkdir -p "$(dirname "$last")"
start=$SECONDS
rc=0
(
	cd "$kgo_dir"
	# The module cache is read-only: never let go touch go.mod/go.sum there,
	# and ignore any go.work of the caller.
	export GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
	KGO_SEEDS="$BROKER_ADDR" KGO_TEST_RF=1 \
		go test -count=1 -v -timeout "${KGO_TIMEOUT:-15m}" "${skip_args[@]}" "$@" .
) >"$log" 2>&1 || rc=$?
cp "$log" "$last"

# Top-level results only: subtests are indented.
passed=$(grep -c '^--- PASS: ' "$log" || true)
failed=$(grep -c '^--- FAIL: ' "$log" || true)
skipped=$(grep -c '^--- SKIP: ' "$log" || true)
if [ "$rc" -ne 0 ]; then
	grep -E '^(--- FAIL|FAIL|panic:)|^\s+\S+_test\.go:[0-9]+:' "$log" | head -n 60 >&2 || true
	tail -n 5 "$log" >&2
fi
echo "kgo/run.sh: $((SECONDS - start))s, full log in $last"
echo "kgo: $passed passed, $failed failed, $skipped skipped"
if [ "$rc" -ne 0 ]; then
	[ "$failed" -gt 0 ] || die "go test exited with status $rc before reporting failures (timeout, panic or build error; see $last)"
	exit 1
fi
broker_stop || die "broker did not stop cleanly on SIGTERM (log $BROKER_LOG)"
