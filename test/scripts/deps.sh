#!/usr/bin/env bash
# Installs the tools the test suites need, if missing; quiet when present.
#   kcat         Debian package (test/kcat/run.sh)
#   staticcheck  go install into $(go env GOPATH)/bin (make lint)
# Needs root for apt-get. Idempotent.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2, builds and runs with Go 1.26

die() {
	echo "deps.sh: $*" >&2
	exit 1
}

if ! command -v kcat >/dev/null; then
	command -v apt-get >/dev/null || die "kcat missing and apt-get not available: install kcat (librdkafka's CLI) by hand"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	# Refresh the package lists only when kcat is not installable yet.
	if ! apt-cache show kcat >/dev/null 2>&1; then
		echo "deps.sh: apt-get update (kcat not known to apt yet)"
		$sudo apt-get update -qq || die "apt-get update failed"
	fi
	echo "deps.sh: installing kcat"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq kcat >/dev/null || die "apt-get install kcat failed"
	command -v kcat >/dev/null || die "kcat still not on PATH after apt-get install kcat"
fi

gobin="$(go env GOPATH)/bin"
want="${STATICCHECK_VERSION#v}"
have="$("$gobin/staticcheck" -version 2>/dev/null || true)"
case "$have" in
*"($want)"*) ;;
*)
	echo "deps.sh: installing staticcheck $STATICCHECK_VERSION into $gobin"
	# Outside the module, so the repository's go.mod is not touched.
	(cd / && GOFLAGS=-buildvcs=false GOBIN="$gobin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION") ||
		die "go install honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION failed"
	;;
esac
