#!/usr/bin/env bash
# kcat (librdkafka) against a freshly started broker:
#   1. -L metadata lists the broker and the topic with its 3 partitions;
#   2. N keyed lines produced with acks=all and idempotence are all acknowledged;
#   3. a plain consumer (-C -e) reads back exactly those N lines;
#   4. a group consumer (-G) receives all N lines, and afterwards the group's
#      committed offsets equal each partition's end offset.
# Exits non-zero, naming the step, on any mismatch.
#
#   test/kcat/run.sh
#
# Env: SLUICE_BIN (see test/scripts/broker.sh), KCAT_RECORDS (N, default
# 10000), KCAT_TOPIC_ADMIN=cli|go (how the topic is created: `sluice topics
# create` or the kadm helper test/kcat/kadmin; default: cli if the binary has
# it, else go), KCAT_TIMEOUT (seconds each kcat run may take, default 60).
set -euo pipefail
trap 'echo "kcat/run.sh: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=SCRIPTDIR/../scripts/broker.sh
. "$root/test/scripts/broker.sh"

die() {
	echo "kcat/run.sh: FAIL: $*" >&2
	exit 1
}
step() { echo "kcat/run.sh: $*"; }

command -v kcat >/dev/null || die "kcat not installed (run test/scripts/deps.sh)"
n="${KCAT_RECORDS:-10000}"
kcat_timeout="${KCAT_TIMEOUT:-60}" # seconds per kcat run
topic="kcat-$$"
group="kcat-group-$$"

kadmin="$root/test/.cache/bin/kadmin"
mkdir -p "$(dirname "$kadmin")"
(cd "$root" && go build -o "$kadmin" ./test/kcat/kadmin) || die "go build ./test/kcat/kadmin"

broker_start --config group.initial.rebalance.delay.ms=0
bin="$BROKER_BIN"
work="$BROKER_TMP/kcat"
mkdir -p "$work"
step "broker $BROKER_ADDR (pid $BROKER_PID, log $BROKER_LOG)"

admin="${KCAT_TOPIC_ADMIN:-}"
if [ -z "$admin" ]; then
	if "$bin" topics --help 2>/dev/null | grep -qE '^[[:space:]]+create[[:space:]]'; then admin=cli; else admin=go; fi
fi
case "$admin" in
cli) "$bin" topics create "$topic" --partitions 3 --bootstrap "$BROKER_ADDR" || die "sluice topics create $topic --partitions 3" ;;
go) "$kadmin" -bootstrap "$BROKER_ADDR" create-topic "$topic" 3 || die "kadmin create-topic $topic 3" ;;
*) die "KCAT_TOPIC_ADMIN=$admin: want cli or go" ;;
esac
step "created topic $topic with 3 partitions ($admin)"

# 1. Metadata.
timeout 30 kcat -b "$BROKER_ADDR" -L -t "$topic" >"$work/metadata" 2>&1 || { cat "$work/metadata" >&2; die "kcat -L"; }
grep -qE "broker [0-9]+ at $BROKER_ADDR" "$work/metadata" || { cat "$work/metadata" >&2; die "kcat -L does not list broker at $BROKER_ADDR"; }
grep -q "topic \"$topic\" with 3 partitions" "$work/metadata" || { cat "$work/metadata" >&2; die "kcat -L does not list topic $topic with 3 partitions"; }
step "metadata ok"

# 2. Produce N keyed lines, acks=all and idempotent; kcat exits non-zero
# if any delivery fails.
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "key-%06d:value-%06d\n", i, i }' >"$work/expected.unsorted"
sort "$work/expected.unsorted" >"$work/expected"
timeout "$kcat_timeout" kcat -b "$BROKER_ADDR" -P -t "$topic" -K : \
	-X acks=all -X enable.idempotence=true <"$work/expected.unsorted" 2>"$work/produce.err" ||
	{ cat "$work/produce.err" >&2; die "kcat -P of $n records (acks=all, idempotent)"; }
grep -q 'Delivery failed' "$work/produce.err" && { cat "$work/produce.err" >&2; die "kcat -P reported errors"; }
step "produced $n records"

# 3. Consume everything back.
rc=0
timeout "$kcat_timeout" kcat -b "$BROKER_ADDR" -C -t "$topic" -o beginning -e -f '%k:%s\n' >"$work/consumed.unsorted" 2>"$work/consume.err" || rc=$?
if [ "$rc" -ne 0 ]; then
	tail -n 20 "$work/consume.err" >&2
	[ "$rc" -ne 124 ] || die "kcat -C -e did not exit within ${kcat_timeout}s (read $(wc -l <"$work/consumed.unsorted") of $n records; -e exits once every partition reported end of partition)"
	die "kcat -C -e exited with status $rc (read $(wc -l <"$work/consumed.unsorted") of $n records)"
fi
sort "$work/consumed.unsorted" >"$work/consumed"
if ! cmp -s "$work/expected" "$work/consumed"; then
	diff "$work/expected" "$work/consumed" | head -n 20 >&2
	die "kcat -C -e: read $(wc -l <"$work/consumed") records, want exactly the $n produced (diff above)"
fi
step "consumed $n records back, identical"

# 4. Consume as a group; kcat commits its offsets when it closes.
timeout "$kcat_timeout" kcat -b "$BROKER_ADDR" -G "$group" "$topic" -c "$n" -f '%k:%s\n' \
	-X auto.offset.reset=earliest -X auto.commit.interval.ms=200 >"$work/group.unsorted" 2>"$work/group.err" ||
	{ tail -n 20 "$work/group.err" >&2; die "kcat -G $group did not receive $n records within ${kcat_timeout}s (got $(wc -l <"$work/group.unsorted"))"; }
sort "$work/group.unsorted" >"$work/group"
if ! cmp -s "$work/expected" "$work/group"; then
	diff "$work/expected" "$work/group" | head -n 20 >&2
	die "kcat -G: received $(wc -l <"$work/group") records, want exactly the $n produced (diff above)"
fi
"$kadmin" -bootstrap "$BROKER_ADDR" committed "$group" "$topic" >"$work/committed" || die "kadmin committed $group $topic"
total=0
while read -r part committed end; do
	[ "$committed" = "$end" ] || { die "group $group partition $part: committed offset $committed, want end offset $end"; }
	total=$((total + end))
done <"$work/committed"
[ "$total" -eq "$n" ] || { cat "$work/committed" >&2; die "end offsets of $topic sum to $total, want $n"; }
step "group $group received $n records; committed offsets = end offsets on all 3 partitions"

broker_stop || die "broker did not stop cleanly on SIGTERM (log $BROKER_LOG)"
echo "kcat suite: ok ($n records)"
