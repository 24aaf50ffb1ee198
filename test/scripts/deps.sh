#!/usr/bin/env bash
# Installs the tools the test suites need, if missing; quiet when present.
#   kcat         Debian package (test/kcat/run.sh)
#   protoc       Debian package protobuf-compiler (plugins/proto/generate.sh)
#   staticcheck  go install into $(go env GOPATH)/bin (make lint)
# Needs root for apt-get. Idempotent.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2, builds and runs with Go 1.26

die() {
	echo "deps.sh: $*" >&2
	exit 1
}

# apt_install CMD PACKAGE installs PACKAGE when CMD is not on PATH.
apt_install() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null && return 0
	command -v apt-get >/dev/null || die "$cmd missing and apt-get not available: install Debian's $pkg by hand"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	# Refresh the package lists only when the package is not installable yet.
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		echo "deps.sh: apt-get update ($pkg not known to apt yet)"
		$sudo apt-get update -qq || die "apt-get update failed"
	fi
	echo "deps.sh: installing $pkg"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null || die "apt-get install $pkg failed"
	command -v "$cmd" >/dev/null || die "$cmd still not on PATH after apt-get install $pkg"
}

apt_install kcat kcat
apt_install protoc protobuf-compiler

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
