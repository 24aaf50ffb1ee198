# shellcheck shell=bash
# Helpers to run the broker under test from a bash script. Source this file:
#
#   . "$(dirname "$0")/../scripts/broker.sh"
#   broker_start --config group.initial.rebalance.delay.ms=0
#   ... use $BROKER_ADDR ...
#   broker_stop            # optional: an EXIT trap stops it anyway
#
# The binary comes from SLUICE_BIN: unset/empty builds ./cmd/sluice into
# test/.cache/bin/sluice; "kfake" builds the stand-in test/bench/kfakeserver;
# anything else is used as a path. Extra broker arguments may be given in
# SLUICE_BROKER_ARGS. broker_start sets BROKER_ADDR, BROKER_PORT, BROKER_PID,
# BROKER_DATA_DIR, BROKER_LOG and BROKER_BIN. One broker per script.

BROKER_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BROKER_START_TIMEOUT="${BROKER_START_TIMEOUT:-60}" # seconds
BROKER_STOP_TIMEOUT="${BROKER_STOP_TIMEOUT:-15}"   # seconds before SIGKILL
BROKER_PID=""
BROKER_BIN=""
BROKER_TMP=""

broker_die() {
	echo "broker.sh: $*" >&2
	exit 1
}

# broker_bin sets BROKER_BIN to the absolute path of the broker binary,
# building it (once per script) if SLUICE_BIN asks for a build.
broker_bin() {
	[ -z "${BROKER_BIN:-}" ] || return 0
	local pkg name out
	case "${SLUICE_BIN:-}" in
	"") pkg=./cmd/sluice name=sluice ;;
	kfake) pkg=./test/bench/kfakeserver name=kfakeserver ;;
	*)
		if [ ! -f "$SLUICE_BIN" ] || [ ! -x "$SLUICE_BIN" ]; then broker_die "SLUICE_BIN=$SLUICE_BIN is not an executable file"; fi
		BROKER_BIN="$(cd "$(dirname "$SLUICE_BIN")" && pwd)/$(basename "$SLUICE_BIN")"
		return
		;;
	esac
	out="$BROKER_REPO_ROOT/test/.cache/bin/$name"
	mkdir -p "$(dirname "$out")"
	if ! (cd "$BROKER_REPO_ROOT" && go build -o "$out.build.$$" "$pkg") >&2; then
		rm -f "$out.build.$$"
		broker_die "go build $pkg failed (set SLUICE_BIN=kfake to use the stand-in, or SLUICE_BIN=/path/to/sluice)"
	fi
	mv -f "$out.build.$$" "$out"
	BROKER_BIN="$out"
}

# broker_free_port prints a TCP port on 127.0.0.1 nobody accepts on.
broker_free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	broker_die "no free port found in 50 tries"
}

# broker_wait_accepting waits until BROKER_PORT accepts TCP connections,
# failing if the broker exits or BROKER_START_TIMEOUT passes.
broker_wait_accepting() {
	local deadline=$((SECONDS + BROKER_START_TIMEOUT))
	while ! (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null; do
		if ! broker_alive "$BROKER_PID"; then
			return 2
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
}

# broker_start [--config key=value ...] starts a broker on a free port with a
# fresh data directory and waits until it accepts connections.
broker_start() {
	[ -z "$BROKER_PID" ] || broker_die "broker_start: a broker (pid $BROKER_PID) is already running"
	local bin rc
	broker_bin
	bin="$BROKER_BIN"
	BROKER_TMP="$(mktemp -d "${TMPDIR:-/tmp}/sluice-broker.XXXXXX")"
	trap broker_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	BROKER_DATA_DIR="$BROKER_TMP/data"
	BROKER_LOG="$BROKER_TMP/broker.log"
	mkdir -p "$BROKER_DATA_DIR"
	# A port found free may be taken before the broker binds it: retry.
	for _ in 1 2 3; do
		BROKER_PORT="$(broker_free_port)"
		BROKER_ADDR="127.0.0.1:$BROKER_PORT"
		echo "=== $(date -u +%FT%TZ) $bin broker --data-dir $BROKER_DATA_DIR --listen $BROKER_ADDR $* ${SLUICE_BROKER_ARGS:-}" >>"$BROKER_LOG"
		# shellcheck disable=SC2086 # SLUICE_BROKER_ARGS is a word list
		"$bin" broker --data-dir "$BROKER_DATA_DIR" --listen "$BROKER_ADDR" "$@" ${SLUICE_BROKER_ARGS:-} >>"$BROKER_LOG" 2>&1 &
		BROKER_PID=$!
		rc=0
		broker_wait_accepting || rc=$?
		case $rc in
		0)
			export BROKER_ADDR BROKER_PORT BROKER_PID BROKER_DATA_DIR BROKER_LOG BROKER_BIN
			return 0
			;;
		1)
			broker_stop >/dev/null 2>&1 || true
			tail -n 40 "$BROKER_LOG" >&2
			broker_die "broker $bin not accepting on $BROKER_ADDR after ${BROKER_START_TIMEOUT}s (log above, $BROKER_LOG)"
			;;
		2)
			wait "$BROKER_PID" 2>/dev/null || true
			BROKER_PID=""
			;;
		esac
	done
	tail -n 40 "$BROKER_LOG" >&2
	broker_die "broker $bin exited before accepting connections, 3 attempts (log above, $BROKER_LOG)"
}

# broker_alive PID succeeds while PID exists and is not a zombie.
broker_alive() {
	local stat
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
	stat="${stat##*) }"
	[ "${stat%% *}" != Z ]
}

# broker_stop sends SIGTERM, waits up to BROKER_STOP_TIMEOUT seconds, then
# SIGKILLs. It fails if the broker did not exit cleanly on SIGTERM.
broker_stop() {
	[ -n "$BROKER_PID" ] || return 0
	local pid=$BROKER_PID rc=0
	BROKER_PID=""
	kill -TERM "$pid" 2>/dev/null || return 0
	local deadline=$((SECONDS + BROKER_STOP_TIMEOUT))
	while broker_alive "$pid"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "broker.sh: broker pid $pid ignored SIGTERM for ${BROKER_STOP_TIMEOUT}s, sending SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "broker.sh: broker pid $pid exited with status $rc after SIGTERM (log $BROKER_LOG)" >&2
		return 1
	fi
}

# broker_cleanup stops the broker and removes its data directory unless
# KEEP_BROKER_DATA is set. Installed as the EXIT trap by broker_start.
broker_cleanup() {
	local rc=$?
	broker_stop || true
	if [ -n "$BROKER_TMP" ]; then
		if [ -n "${KEEP_BROKER_DATA:-}" ] || [ "$rc" -ne 0 ]; then
			echo "broker.sh: broker data and log kept in $BROKER_TMP" >&2
		else
			rm -rf "$BROKER_TMP"
		fi
	fi
	exit "$rc"
}
