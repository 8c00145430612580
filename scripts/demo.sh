#!/usr/bin/env bash
# The demo: the manual "Managing and deleting API tokens" workflow, run by Terraform against the mock
# Circularo server with its embedded demo seed (user demo, six keys, three of them stale).
# It builds the provider and the mock, starts the mock, lists the keys, creates one, adopts the stale
# ones, shows the plan that revokes them, carries it out, and stops the mock. It runs the Terraform on
# PATH when that is 1.11 or later, and says which Terraform it uses.
set -euo pipefail
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
cleanup() {
	stop_mock
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Any Terraform that can run the demo (1.11 or later: the provider's oldest supported version; the
# demo's import blocks with for_each need 1.7): the one on PATH if it is recent enough, else one
# already in the cache; only when there is none does ensure-cli.sh build the newest supported one
# (offline, from the Go module proxy; minutes on a machine without the Go build cache).
tf=$("$root/scripts/ensure-cli.sh" terraform --min 1.11.0 --path)
tf_version=$(cli_product_version "$tf")
provider_host=$(registry_host "$tf_version")

step "Using $tf_version ($tf)"

step "Building the provider and the mock Circularo server"
mkdir -p "$work/bin" "$work/tf"
(cd "$root" && go build -o "$work/bin/terraform-provider-circularo" .)

step "Starting the mock with the demo seed"
start_mock "$work"
url=$mock_url
echo "mock Circularo API at $url"

use_dev_overrides "$work/cli.tfrc" "$provider_host" "$work/bin"
export CIRCULARO_URL="$url" CIRCULARO_USERNAME=demo CIRCULARO_PASSWORD=demo-password
cp "$root/examples/demo/main.tf" "$work/tf/"
cd "$work/tf"

step "1. List the keys, create the new integration's key, adopt the stale keys (nothing is revoked yet)"
"$tf" apply -auto-approve -no-color

step "2. Review: the plan lists exactly the keys that will be revoked"
"$tf" plan -no-color -var revoke_stale=true

step "3. Revoke the stale keys (all_keys: the keys left once they are revoked)"
"$tf" apply -auto-approve -no-color -var revoke_stale=true

step "Done: stopping the mock"
