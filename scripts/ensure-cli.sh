#!/usr/bin/env bash
# The one place that finds (or builds) the Terraform and OpenTofu CLIs that the tests, the docs, the
# examples check, the demo and the benchmark use.
#
# Usage:
#   scripts/ensure-cli.sh [terraform|terraform-oldest|terraform-previous|tofu] [--min VERSION] [--path]
#                         [--env-file FILE] [-- COMMAND [ARGS...]]
#
#   terraform           the newest Terraform the provider supports: $TERRAFORM_VERSION (1.16.4). It has
#                       every feature (resource identity, terraform query, actions, lifecycle destroy =
#                       false); docs are generated with it.
#   terraform-oldest    the oldest supported Terraform: $TERRAFORM_OLDEST_VERSION (1.11.4).
#   terraform-previous  the newest Terraform before 1.16: $TERRAFORM_PREVIOUS_VERSION (1.15.0), the last
#                       line that words an action's failure the old way (make test-previous; not in make test).
#   tofu                OpenTofu $OPENTOFU_VERSION (1.12.6).
#
# Prints the variables for terraform-plugin-testing on stdout, one KEY=VALUE a line:
#   TF_ACC_TERRAFORM_PATH=/path/to/cli
#   TF_ACC_PROVIDER_HOST=registry.opentofu.org     (OpenTofu only)
# --path prints only the CLI's path instead.
# --env-file FILE also writes them as `export KEY='VALUE'` lines that a shell can source.
# -- COMMAND runs COMMAND with them exported instead of printing them (the Makefile uses this).
#
# Each mode wants one exact version, found in this order:
#   1. `terraform` (or `tofu`) on PATH, if it is that version (set CIRCULARO_IGNORE_PATH_CLI=1 to skip);
#   2. that version built earlier into the cache;
#   3. built now from the Go module proxy into the cache (no other download is needed).
# --min VERSION (Terraform modes only) takes any Terraform at least VERSION instead, for what needs no
# exact version (the demo): `terraform` on PATH if it is recent enough, else the newest such build in
# the cache, and builds the mode's version only when there is none. It says which one on stderr.
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-circularo/bin/{terraform-VERSION/terraform,opentofu-VERSION/tofu}
# (override the base with CIRCULARO_CACHE_DIR). Builds take minutes on 2 cores (Terraform 1.11.4 ~3 min,
# 1.15.0 and 1.16.4 ~6 min, OpenTofu 1.12.6 ~8 min); a second run is instant.
set -euo pipefail
# lib.sh tells Terraform from OpenTofu; found from this script's own place, wherever it is run from.
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=terraform
min_version=
env_file=
print_path=
cmd=()
while [ $# -gt 0 ]; do
	case "$1" in
	terraform | terraform-oldest | terraform-previous | tofu) mode=$1 ;;
	--path) print_path=1 ;;
	--min)
		min_version=$2
		shift
		;;
	--min=*) min_version=${1#--min=} ;;
	--env-file)
		env_file=$2
		shift
		;;
	--env-file=*) env_file=${1#--env-file=} ;;
	--)
		shift
		cmd=("$@")
		break
		;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "ensure-cli: unknown argument: $1" >&2
		exit 2
		;;
	esac
	shift
done

export CHECKPOINT_DISABLE=1
CACHE_DIR=${CIRCULARO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-circularo}
BIN_DIR=$CACHE_DIR/bin
TERRAFORM_VERSION=${TERRAFORM_VERSION:-1.16.4}
TERRAFORM_OLDEST_VERSION=${TERRAFORM_OLDEST_VERSION:-1.11.4}
# 1.15.0 keeps a place outside make test: Terraform 1.14 and 1.15 report an action's failure as
# "Error when invoking action", 1.16 as "Action failed"; make test-previous runs the suite on it.
TERRAFORM_PREVIOUS_VERSION=${TERRAFORM_PREVIOUS_VERSION:-1.15.0}
case "$mode" in
terraform-oldest) TERRAFORM_VERSION=$TERRAFORM_OLDEST_VERSION ;;
terraform-previous) TERRAFORM_VERSION=$TERRAFORM_PREVIOUS_VERSION ;;
esac
if [ -n "$min_version" ] && [ "$mode" = tofu ]; then
	echo "ensure-cli: --min works with the Terraform modes only" >&2
	exit 2
fi
# OpenTofu 1.12.6, not 1.10.x: OpenTofu has ephemeral resources only from 1.11 and resource identity
# from 1.12, and the tests run both there (the feature table is internal/testkit/tfversion.go).
OPENTOFU_VERSION=${OPENTOFU_VERSION:-1.12.6}
# One directory per version, so that several versions can stay cached side by side.
TERRAFORM_BIN=$BIN_DIR/terraform-$TERRAFORM_VERSION/terraform
TOFU_BIN=$BIN_DIR/opentofu-$OPENTOFU_VERSION/tofu

log() { echo "ensure-cli: $*" >&2; }

# cli_version BINARY: prints "Terraform 1.11.4" / "OpenTofu 1.12.6", or nothing: lib.sh's
# cli_product_version without the "v".
cli_version() {
	local line
	line=$(cli_product_version "$1")
	printf '%s\n' "${line/ v/ }"
}

# module_dir MODULE@VERSION: downloads the module through the proxy and prints its read-only directory.
module_dir() {
	local json dir
	json=$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "$1") || {
		log "go mod download $1 failed: $json"
		return 1
	}
	dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then
		log "go mod download $1 gave no directory: $json"
		return 1
	fi
	printf '%s\n' "$dir"
}

tmp=
cleanup() { if [ -n "$tmp" ]; then
	chmod -R u+w "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
fi; }
trap cleanup EXIT
new_tmp() {
	cleanup
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ensure-cli.XXXXXX")
}

# build_terraform: builds Terraform $TERRAFORM_VERSION into $TERRAFORM_BIN.
# Terraform's go.mod replaces nine nested modules (the remote-state backends, internal/legacy) with
# ./internal/... directories, which a module zip leaves out. Only internal/backend/init/init.go imports
# them (the tests and the scripts use local state), so the build drops them: their imports and map
# entries there, their require and replace lines in go.mod. That works for 1.11 to 1.16 alike.
build_terraform() {
	local dir src init mods=() m
	new_tmp
	log "building Terraform $TERRAFORM_VERSION from the Go module proxy (a few minutes)..."
	dir=$(module_dir "github.com/hashicorp/terraform@v$TERRAFORM_VERSION") || return 1
	src=$tmp/terraform
	cp -R "$dir" "$src"
	chmod -R u+w "$src"
	init=$src/internal/backend/init/init.go
	while read -r m; do mods+=("$m"); done < <(sed -n 's|^replace \(github.com/hashicorp/terraform/[^ ]*\) => \./.*$|\1|p' "$src/go.mod")
	if [ ${#mods[@]} -eq 0 ]; then
		log "Terraform $TERRAFORM_VERSION: no nested modules found in go.mod"
		return 1
	fi
	for m in "${mods[@]}"; do
		(cd "$src" && go mod edit -droprequire="$m" -dropreplace="$m")
		case "$m" in
		*/internal/backend/remote-state/*)
			# The import line names the package; the map entry calls it (backendS3.New()).
			local alias
			alias=$(sed -n "s|^[[:space:]]*\([A-Za-z0-9_]*\) \"$m\"\$|\1|p" "$init")
			[ -n "$alias" ] || {
				log "Terraform $TERRAFORM_VERSION: $m is not imported as expected in init.go"
				return 1
			}
			sed_in_place "\|\"$m\"|d; /[[:space:]]$alias\.New(/d" "$init" || return 1
			;;
		esac
	done
	# Go 1.24 renamed the godebug setting tlskyber to tlsmlkem, and newer Go rejects the old name in go.mod.
	if grep -q '^godebug tlskyber=' "$src/go.mod"; then
		(cd "$src" && go mod edit -dropgodebug=tlskyber -godebug=tlsmlkem=0)
	fi
	mkdir -p "$(dirname "$TERRAFORM_BIN")"
	(
		cd "$src"
		CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -buildvcs=false \
			-ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
			-o "$TERRAFORM_BIN.new" .
	) || {
		log "building Terraform $TERRAFORM_VERSION failed"
		return 1
	}
	mv -f "$TERRAFORM_BIN.new" "$TERRAFORM_BIN"
}

# build_tofu: builds OpenTofu $OPENTOFU_VERSION into $TOFU_BIN.
# `go install` refuses it (its go.mod has a replace directive), so build inside a copy of the module.
build_tofu() {
	local dir src
	new_tmp
	log "building OpenTofu $OPENTOFU_VERSION from the Go module proxy (a few minutes)..."
	dir=$(module_dir "github.com/opentofu/opentofu@v$OPENTOFU_VERSION") || return 1
	src=$tmp/opentofu
	cp -R "$dir" "$src"
	chmod -R u+w "$src"
	mkdir -p "$(dirname "$TOFU_BIN")"
	(
		cd "$src"
		CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -buildvcs=false \
			-ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
			-o "$TOFU_BIN.new" ./cmd/tofu
	) || {
		log "building OpenTofu $OPENTOFU_VERSION failed"
		return 1
	}
	mv -f "$TOFU_BIN.new" "$TOFU_BIN"
}

# on_path NAME CLI VERSION: sets cli to CLI on PATH when it is NAME VERSION exactly.
on_path() {
	local name=$1 version=$3 path
	[ -z "${CIRCULARO_IGNORE_PATH_CLI:-}" ] || return 1
	path=$(command -v "$2") || return 1
	if [ "$(cli_version "$path")" = "$name $version" ]; then
		log "using $path ($name $version)"
		cli=$path
		return 0
	fi
	return 1
}

# cached_or_built NAME VERSION BIN BUILD: sets cli to BIN, the cached build of NAME VERSION, running
# the function BUILD first when BIN is missing or another version; returns 1 when that fails.
cached_or_built() {
	local name=$1 version=$2 bin=$3 build=$4 start=$SECONDS
	if [ -x "$bin" ] && [ "$(cli_version "$bin")" = "$name $version" ]; then
		log "using cached $bin ($name $version)"
		cli=$bin
		return 0
	fi
	if "$build" && [ "$(cli_version "$bin")" = "$name $version" ]; then
		log "built $bin ($name $version) in $((SECONDS - start))s"
		cli=$bin
		return 0
	fi
	return 1
}

# version_at_least A B: whether version A (such as 1.16.4 or 1.17.0-beta1) is B or later.
version_at_least() {
	local a b i x y
	IFS=. read -r -a a <<<"$1"
	IFS=. read -r -a b <<<"$2"
	for i in 0 1 2; do
		x=${a[i]:-0} y=${b[i]:-0}
		x=${x%%[!0-9]*} y=${y%%[!0-9]*}
		if [ "${x:-0}" -gt "${y:-0}" ]; then return 0; fi
		if [ "${x:-0}" -lt "${y:-0}" ]; then return 1; fi
	done
	return 0
}

# recent_enough: sets cli to a Terraform at least $min_version: `terraform` on PATH, else the newest
# one in the cache; returns 1 when there is neither.
recent_enough() {
	local path v best='' best_v=''
	if [ -z "${CIRCULARO_IGNORE_PATH_CLI:-}" ] && path=$(command -v terraform); then
		v=$(cli_version "$path")
		if [ "${v%% *}" = Terraform ] && version_at_least "${v#* }" "$min_version"; then
			log "using $path ($v, on PATH; at least Terraform $min_version is needed)"
			cli=$path
			return 0
		fi
		log "not using $path (${v:-no version}): not Terraform $min_version or later"
	fi
	for path in "$BIN_DIR"/terraform-*/terraform; do
		[ -x "$path" ] || continue
		v=$(cli_version "$path")
		if [ "${v%% *}" != Terraform ] || ! version_at_least "${v#* }" "$min_version"; then continue; fi
		if [ -z "$best" ] || version_at_least "${v#* }" "$best_v"; then
			best=$path best_v=${v#* }
		fi
	done
	if [ -n "$best" ]; then
		log "using cached $best (Terraform $best_v; at least Terraform $min_version is needed)"
		cli=$best
		return 0
	fi
	log "no Terraform $min_version or later on PATH or in the cache: building Terraform $TERRAFORM_VERSION"
	return 1
}

cli=
is_tofu=
case "$mode" in
terraform | terraform-oldest | terraform-previous)
	{ [ -n "$min_version" ] && recent_enough; } ||
		on_path Terraform terraform "$TERRAFORM_VERSION" ||
		cached_or_built Terraform "$TERRAFORM_VERSION" "$TERRAFORM_BIN" build_terraform ||
		{
			log "no Terraform $TERRAFORM_VERSION"
			exit 1
		}
	;;
tofu)
	on_path OpenTofu tofu "$OPENTOFU_VERSION" ||
		cached_or_built OpenTofu "$OPENTOFU_VERSION" "$TOFU_BIN" build_tofu ||
		{
			log "no OpenTofu $OPENTOFU_VERSION"
			exit 1
		}
	is_tofu=1
	;;
esac
cleanup
tmp=

vars=("TF_ACC_TERRAFORM_PATH=$cli")
if [ -n "$is_tofu" ]; then
	vars+=("TF_ACC_PROVIDER_HOST=$(registry_host "$(cli_product_version "$cli")")")
fi

if [ -n "$print_path" ] && [ ${#cmd[@]} -eq 0 ]; then
	printf '%s\n' "$cli"
	exit 0
fi

if [ -n "$env_file" ]; then
	mkdir -p "$(dirname "$env_file")"
	: >"$env_file"
	for v in "${vars[@]}"; do
		printf "export %s='%s'\n" "${v%%=*}" "${v#*=}" >>"$env_file"
	done
fi

if [ ${#cmd[@]} -gt 0 ]; then
	if [ -z "$is_tofu" ]; then unset TF_ACC_PROVIDER_HOST; fi
	# A TF_CLI_CONFIG_FILE naming a missing file only makes the CLI warn, but OpenTofu >= 1.11 warns on
	# stdout, before its version line, and terraform-exec then cannot parse `tofu version`.
	if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
		log "unsetting TF_CLI_CONFIG_FILE: $TF_CLI_CONFIG_FILE does not exist"
		unset TF_CLI_CONFIG_FILE
	fi
	for v in "${vars[@]}"; do
		export "${v?}"
		log "$v"
	done
	exec "${cmd[@]}"
fi
printf '%s\n' "${vars[@]}"
