#!/usr/bin/env bash
# Offline registry-install test (`make test-mirror`): does the release archive install the way the
# registry would serve it, with no dev_overrides?
#
#   1. goreleaser (the real .goreleaser.yml, restricted to this machine's os/arch) builds the release
#      zip and its SHA256SUMS in a copy of the work tree, as a snapshot;
#   2. the zip goes into a packed-layout filesystem mirror:
#      <mirror>/registry.terraform.io/circularo/circularo/terraform-provider-circularo_<version>_<os>_<arch>.zip
#   3. a CLI config with only `filesystem_mirror` (no dev_overrides, no direct) and a plain
#      `terraform init` of a config that requires circularo/circularo = <version>;
#   4. .terraform.lock.hcl must hold that version and exactly the h1: hash of the zip's contents
#      (computed by tools/cmd/providerhash with golang.org/x/mod/sumdb/dirhash, and compared with what
#      `terraform providers lock -fs-mirror` computes); the zip's SHA-256 (zh:) must be the SHA256SUMS line;
#   5. the mock server (internal/mockserver/cmd/circularo-mock) on 127.0.0.1:0, and `terraform plan`
#      of a data "circularo_api_keys" against it (user demo / demo-password).
#
# Usage: scripts/test-mirror-install.sh [CLI]
#   CLI: terraform or tofu binary; default $TF_ACC_TERRAFORM_PATH, else what scripts/ensure-cli.sh finds.
#   MIRROR_BUILDER=go builds the zip with `go build` + `zip` (same names and ldflags) instead of goreleaser.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CHECKPOINT_DISABLE=1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

say() { echo "test-mirror: $*"; }
fail() {
	echo "test-mirror: FAIL: $*" >&2
	exit 1
}

cli=${1:-${TF_ACC_TERRAFORM_PATH:-}}
if [ -z "$cli" ]; then
	cli=$(scripts/ensure-cli.sh terraform --path)
fi
cli=$(command -v "$cli") || fail "no CLI at ${1:-${TF_ACC_TERRAFORM_PATH:-}}"
cli_version=$(cli_product_version "$cli")
host=$(registry_host "$cli_version") || fail "$cli is neither Terraform nor OpenTofu"
source_addr=$host/circularo/circularo
os=$(go env GOOS)
arch=$(go env GOARCH)
name=terraform-provider-circularo

work=$(mktemp -d "${TMPDIR:-/tmp}/circularo-mirror.XXXXXX")
cleanup() {
	stop_mock
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# --- 1. the release archive ---------------------------------------------------------------------
builder=${MIRROR_BUILDER:-goreleaser}
case "$builder" in
goreleaser)
	goreleaser=$(scripts/install-tool.sh goreleaser)
	git rev-parse --verify -q HEAD >/dev/null || fail "goreleaser needs a commit in this repository (or use MIRROR_BUILDER=go)"
	# A copy of the work tree (uncommitted changes included), so that goreleaser's dist/ and --clean
	# leave ours alone; .goreleaser.yml restricted to this machine's target.
	src=$work/src
	mkdir -p "$src"
	tar -C "$ROOT" --exclude=./dist --exclude=.terraform -cf - . | tar -C "$src" -xf -
	# Without a remote, goreleaser ignores the git state (commit "none"): give the copy one (never used).
	if [ -z "$(git -C "$src" remote)" ]; then
		git -C "$src" remote add origin https://github.com/circularo/terraform-provider-circularo.git
	fi
	target=${os}_${arch}
	if [ "$arch" = amd64 ]; then target=${target}_v1; fi
	sed "s|^    binary: |    targets: [\"$target\"]\n    binary: |" .goreleaser.yml >"$src/.goreleaser.yml"
	grep -q "targets: \[\"$target\"\]" "$src/.goreleaser.yml" || fail "could not restrict .goreleaser.yml to $target"
	say "goreleaser release --snapshot for $target"
	(cd "$src" && "$goreleaser" release --snapshot --clean --skip=sign,publish --config .goreleaser.yml) >"$work/goreleaser.log" 2>&1 ||
		{
			cat "$work/goreleaser.log" >&2
			fail "goreleaser release --snapshot failed"
		}
	version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$src/dist/metadata.json" | awk '!f { print; f = 1 }')
	[ -n "$version" ] || fail "no version in dist/metadata.json"
	zip_name=${name}_${version}_${os}_${arch}.zip
	zip_path=$src/dist/$zip_name
	sums=$src/dist/${name}_${version}_SHA256SUMS
	[ -f "$zip_path" ] || {
		ls -l "$src/dist" >&2
		fail "goreleaser made no $zip_name"
	}
	[ -f "$sums" ] || fail "goreleaser made no ${name}_${version}_SHA256SUMS"
	grep -q " ${name}_${version}_manifest.json\$" "$sums" || fail "SHA256SUMS does not list the registry manifest"
	;;
go)
	version=${MIRROR_TEST_VERSION:-0.0.1}
	commit=$(git rev-parse HEAD 2>/dev/null || echo none)
	mkdir -p "$work/build"
	say "go build + zip of version $version"
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version -X main.commit=$commit" \
		-o "$work/build/${name}_v${version}" .
	zip_name=${name}_${version}_${os}_${arch}.zip
	zip_path=$work/build/$zip_name
	(cd "$work/build" && zip -q -X "$zip_name" "${name}_v${version}")
	sums=$work/build/${name}_${version}_SHA256SUMS
	(cd "$work/build" && sha256sum "$zip_name" >"$sums")
	;;
*) fail "MIRROR_BUILDER must be goreleaser or go" ;;
esac
# The whole listing first: `unzip -l | grep -q` fails at random under pipefail (grep -q stops reading,
# unzip dies of SIGPIPE).
listing=$(unzip -l "$zip_path")
grep -q " ${name}_v${version}\$" <<<"$listing" || {
	echo "$listing" >&2
	fail "$zip_name does not hold ${name}_v${version}"
}
say "built $zip_name (version $version)"

# --- 2. the filesystem mirror, packed layout -----------------------------------------------------
mirror=$work/mirror
mkdir -p "$mirror/$source_addr"
cp "$zip_path" "$mirror/$source_addr/$zip_name"

# Expected lock-file hashes.
hashes=$(cd tools && go run ./cmd/providerhash "$zip_path")
want_h1=$(echo "$hashes" | grep '^h1:')
want_zh=$(echo "$hashes" | grep '^zh:')
sum_line=$(grep " ${zip_name}\$" "$sums" | cut -d' ' -f1)
[ "zh:$sum_line" = "$want_zh" ] || fail "SHA256SUMS says $sum_line for $zip_name, the file is $want_zh"

# --- 3. terraform init from the mirror only ------------------------------------------------------
cat >"$work/cli.tfrc" <<EOT
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["$source_addr"]
  }
}
EOT
export TF_CLI_CONFIG_FILE=$work/cli.tfrc
export TF_IN_AUTOMATION=1
unset TF_CLI_ARGS TF_CLI_ARGS_init TF_CLI_ARGS_plan TF_PLUGIN_CACHE_DIR TF_DATA_DIR TF_LOG
unset CIRCULARO_URL CIRCULARO_API_PATH CIRCULARO_USERNAME CIRCULARO_PASSWORD CIRCULARO_TENANT CIRCULARO_TOTP_SECRET CIRCULARO_TOKEN

config=$work/config
mkdir -p "$config"
write_config() { # write_config URL
	cat >"$config/main.tf" <<EOT
terraform {
  required_providers {
    circularo = {
      source  = "circularo/circularo"
      version = "= $version"
    }
  }
}

provider "circularo" {
  url      = "$1"
  username = "demo"
  password = "demo-password"
}

data "circularo_api_keys" "all" {}

output "fingerprint_count" {
  value = length(data.circularo_api_keys.all.fingerprints)
}
EOT
}
write_config "http://127.0.0.1:1" # init does not talk to the provider's API
say "$cli_version: terraform init from $mirror"
"$cli" -chdir="$config" init -input=false -no-color >"$work/init.log" 2>&1 || {
	cat "$work/init.log" >&2
	fail "init failed"
}
if grep -qi 'development overrides' "$work/init.log"; then fail "init used dev_overrides"; fi
installed=$config/.terraform/providers/$source_addr/$version/${os}_${arch}/${name}_v${version}
[ -x "$installed" ] || fail "init did not install $installed"

# --- 4. the lock file -----------------------------------------------------------------------------
lock=$config/.terraform.lock.hcl
[ -f "$lock" ] || fail "init wrote no .terraform.lock.hcl"
block=$(sed -n "/^provider \"${source_addr//\//\\/}\" {/,/^}/p" "$lock")
[ -n "$block" ] || {
	cat "$lock" >&2
	fail "the lock file has no provider \"$source_addr\""
}
grep -q "^  version *= \"$version\"\$" <<<"$block" || {
	echo "$block" >&2
	fail "the lock file does not record version $version"
}
got_hashes=$(echo "$block" | grep -o '"[a-z0-9]*:[^"]*"' | tr -d '"' | LC_ALL=C sort)
[ "$got_hashes" = "$want_h1" ] || {
	echo "$block" >&2
	fail "lock hashes are [$got_hashes], want exactly [$want_h1] (zh: would be $want_zh)"
}
# Cross-check with what `providers lock` computes from the same mirror.
lockcheck=$work/lockcheck
mkdir -p "$lockcheck"
cp "$config/main.tf" "$lockcheck/"
"$cli" -chdir="$lockcheck" providers lock -no-color -fs-mirror="$mirror" -platform="${os}_${arch}" "$source_addr" \
	>"$work/lock.log" 2>&1 || {
	cat "$work/lock.log" >&2
	fail "providers lock -fs-mirror failed"
}
lock_hashes=$(sed -n "/^provider \"${source_addr//\//\\/}\" {/,/^}/p" "$lockcheck/.terraform.lock.hcl" | grep -o '"[a-z0-9]*:[^"]*"' | tr -d '"' | LC_ALL=C sort)
[ "$lock_hashes" = "$got_hashes" ] || fail "providers lock -fs-mirror records [$lock_hashes], init recorded [$got_hashes]"

# --- 5. plan against the mock server -------------------------------------------------------------
say "building and starting the mock server"
start_mock "$work" || fail "the mock server did not start"
url=$mock_url
say "mock server at $url"
write_config "$url"
"$cli" -chdir="$config" plan -input=false -no-color -lock=false >"$work/plan.log" 2>&1 || {
	cat "$work/plan.log" >&2
	fail "plan failed"
}
if grep -qi 'development overrides' "$work/plan.log"; then fail "plan used dev_overrides"; fi
count=$(sed -n 's/^ *+ fingerprint_count *= *\([0-9][0-9]*\).*/\1/p' "$work/plan.log" | awk '!f { print; f = 1 }')
[ -n "$count" ] || {
	cat "$work/plan.log" >&2
	fail "the plan shows no fingerprint_count"
}
[ "$count" -gt 0 ] || {
	cat "$work/plan.log" >&2
	fail "the data source found no keys in the mock's demo seed"
}

say "ok: $cli_version installed $source_addr $version from a filesystem mirror (no dev_overrides)"
say "    archive       $zip_name (built by $builder), SHA-256 matches its SHA256SUMS line"
say "    lock file     version $version, hashes [$got_hashes] = h1 of the zip's contents (also what providers lock -fs-mirror computes)"
say "    plan          data.circularo_api_keys read $count keys from the mock server at $url"
