#!/usr/bin/env bash
# Print the path of a pinned tool, installing it first (go install from the Go module proxy) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-circularo/bin when it is not there yet.
#
# Usage: scripts/install-tool.sh golangci-lint|goreleaser
#   The versions are pinned here; override with GOLANGCI_LINT_VERSION / GORELEASER_VERSION.
set -euo pipefail

# golangci-lint v2.15.0 is the newest on the proxy; it needs Go >= 1.26.
GOLANGCI_LINT_VERSION=${GOLANGCI_LINT_VERSION:-v2.15.0}
# goreleaser v2.13.3: newer releases need a newer Go than 1.26.
GORELEASER_VERSION=${GORELEASER_VERSION:-v2.13.3}

CACHE_DIR=${CIRCULARO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-circularo}
BIN_DIR=$CACHE_DIR/bin

name=${1:-}
case "$name" in
golangci-lint)
	pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	version=$GOLANGCI_LINT_VERSION
	;;
goreleaser)
	pkg=github.com/goreleaser/goreleaser/v2
	version=$GORELEASER_VERSION
	;;
*)
	echo "usage: $0 golangci-lint|goreleaser" >&2
	exit 2
	;;
esac

bin=$BIN_DIR/$name-$version
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

echo "install-tool: installing $name $version into $BIN_DIR (once; this takes a few minutes)" >&2
mkdir -p "$BIN_DIR"
gobin=$(mktemp -d "$BIN_DIR/.install.XXXXXX")
trap 'rm -rf "$gobin"' EXIT
start=$SECONDS
# Outside any module, so that the provider's go.mod plays no part.
(cd "$gobin" && GOBIN=$gobin GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "$pkg@$version") >&2
mv -f "$gobin/$name" "$bin"
echo "install-tool: installed $bin in $((SECONDS - start))s" >&2
echo "$bin"
