#!/usr/bin/env bash
# Regenerate what is generated: format examples/ (terraform fmt) and write docs/ (tfplugindocs), then
# validate docs/. This is `make generate`: it runs the go:generate lines of tools/tools.go with the
# Terraform CLI from scripts/ensure-cli.sh on PATH.
#
# Usage: scripts/generate.sh [--docs-only]
#   --docs-only  skip `terraform fmt` (scripts/check-docs.sh uses this: it must not touch examples/).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

docs_only=
if [ "${1:-}" = --docs-only ]; then docs_only=1; fi

# tfplugindocs runs `terraform init` and `terraform providers schema -json` with the `terraform` on PATH
# (and would download one if there were none: make sure there is one).
# The newest Terraform: list resource and action schemas exist only from Terraform 1.14 on, and
# tfplugindocs documents only what the CLI's `providers schema -json` shows.
cli=$(scripts/ensure-cli.sh terraform --path)
if [ "$(registry_host "$(cli_product_version "$cli")")" != registry.terraform.io ]; then
	echo "generate: tfplugindocs needs the Terraform CLI, and $cli is not Terraform" >&2
	exit 1
fi
bindir=$(mktemp -d "${TMPDIR:-/tmp}/circularo-generate.XXXXXX")
trap 'rm -rf "$bindir"' EXIT
ln -s "$cli" "$bindir/terraform"
export PATH="$bindir:$PATH"
# A TF_CLI_CONFIG_FILE (e.g. with dev_overrides) would change how tfplugindocs' `terraform init` installs
# the provider it builds: use none.
unset TF_CLI_CONFIG_FILE TF_CLI_ARGS TF_CLI_ARGS_init TF_PLUGIN_CACHE_DIR

cd tools
if [ -n "$docs_only" ]; then
	go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name circularo
	go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs validate --provider-dir .. --provider-name circularo
else
	go generate ./...
fi
