#!/usr/bin/env bash
# Examples check (`make test-examples`), offline:
#   1. `terraform fmt -check -recursive -diff examples/`;
#   2. `terraform validate` in every directory under examples/ that holds .tf files, against the provider
#      built from this tree through a dev_overrides CLI configuration (so no `terraform init`, except
#      `init -backend=false` to install the local modules of a configuration that calls some);
#   3. every example run as written against the mock Circularo server (scripts/examples-run.sh): planned,
#      and applied where its page says to apply.
#
# Usage: scripts/check-examples.sh [CLI]
#   CLI: the terraform or tofu binary; default $TF_ACC_TERRAFORM_PATH, else what scripts/ensure-cli.sh finds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CHECKPOINT_DISABLE=1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

cli=${1:-${TF_ACC_TERRAFORM_PATH:-}}
if [ -z "$cli" ]; then
	cli=$(scripts/ensure-cli.sh terraform --path)
fi
cli=$(command -v "$cli") || {
	echo "check-examples: no CLI at ${1:-${TF_ACC_TERRAFORM_PATH:-}}" >&2
	exit 1
}
cli_version=$(cli_product_version "$cli")
host=$(registry_host "$cli_version") || {
	echo "check-examples: $cli is neither Terraform nor OpenTofu" >&2
	exit 1
}

# terraform query (and validate -query) exist from Terraform 1.14 on; OpenTofu has neither.
query_ok=
case "$cli_version" in
Terraform*)
	v=${cli_version#Terraform v}
	IFS=. read -r major minor _ <<<"$v"
	if [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 14 ]; }; then query_ok=1; fi
	;;
esac
if [ ! -d examples ] || [ -z "$(find examples -name '*.tf' -print -quit)" ]; then
	echo "check-examples: FAIL: no .tf files under examples/" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/circularo-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "check-examples: building the provider"
go build -o "$work/plugins/terraform-provider-circularo" .

use_dev_overrides "$work/cli.tfrc" "$host" "$work/plugins"
export TF_IN_AUTOMATION=1
unset TF_CLI_ARGS TF_CLI_ARGS_validate TF_CLI_ARGS_fmt TF_PLUGIN_CACHE_DIR TF_DATA_DIR

failed=0
echo "check-examples: $cli_version: fmt -check -recursive examples/"
if ! "$cli" fmt -check -recursive -diff examples/; then
	echo "check-examples: FAIL: examples/ is not formatted: run make generate (or terraform fmt -recursive examples/)" >&2
	failed=1
fi

count=0
while IFS= read -r dir; do
	count=$((count + 1))
	# Validate a copy, so that nothing the CLI writes lands in the work tree.
	copy="$work/validate/$count"
	mkdir -p "$copy"
	cp -R "$dir"/. "$copy"/
	rm -rf "$copy/.terraform" "$copy/.terraform.lock.hcl"
	# Documentation snippets (examples/resources/..., data-sources/...) may leave out required_providers:
	# without it, `provider "circularo"` would mean hashicorp/circularo, which no override covers.
	note=
	if ! grep -qs 'source *= *"\(registry\.[a-z.]*/\)\?circularo/circularo"' "$copy"/*.tf "$copy"/*.tfquery.hcl; then
		cat >"$copy/zz_check_examples_required_providers.tf" <<EOT
terraform {
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}
EOT
		note=" (snippet: required_providers added for the check)"
	fi
	# Query files (.tfquery.hcl, terraform query) are validated with -query, which Terraform has from 1.14.
	validate=(validate -no-color)
	if [ -n "$(find "$copy" -maxdepth 1 -name '*.tfquery.hcl' -print -quit)" ]; then
		if [ -n "$query_ok" ]; then
			validate+=(-query)
		else
			note="$note (query files not validated: $cli_version has no terraform query)"
		fi
	fi
	# A configuration that calls modules (examples/workflows/adopt-keys-in-module) needs them installed
	# first: `init -backend=false` installs local modules offline (the provider is a dev override).
	if grep -qs '^module ' "$copy"/*.tf; then
		if ! out=$("$cli" -chdir="$copy" init -backend=false -input=false -no-color 2>&1); then
			echo "check-examples: FAIL $dir (init)" >&2
			printf '    %s\n' "${out//$'\n'/$'\n'    }" >&2
			failed=1
			continue
		fi
	fi
	if out=$("$cli" -chdir="$copy" "${validate[@]}" 2>&1); then
		echo "check-examples: ok   $dir$note"
	else
		echo "check-examples: FAIL $dir" >&2
		printf '    %s\n' "${out//$'\n'/$'\n'    }" >&2
		failed=1
	fi
done < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) | awk '{ sub(/\/[^\/]*$/, ""); print }' | LC_ALL=C sort -u)

if [ "$failed" -ne 0 ]; then
	echo "check-examples: FAIL" >&2
	exit 1
fi
echo "check-examples: $count example directories formatted and valid ($cli_version, dev_overrides for $host/circularo/circularo)"
scripts/examples-run.sh "$cli"
