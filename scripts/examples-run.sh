#!/usr/bin/env bash
# Runs every example as written (part of `make test-examples`, after scripts/check-examples.sh): each
# unit below is copied, run through the real CLI against a fresh mock Circularo server
# (scripts/testdata/examples-seed.json: the users and keys the examples name) and the provider built
# from this tree, planned, and applied where its page says to apply. A page cannot drift from what
# works again.
#
# What the copy changes, and nothing else:
#   - https://example.circularo.com (the reader's host in every example) becomes the mock's URL;
#   - a snippet without required_providers gets one (as in check-examples.sh);
#   - the examples/provider snippets, which configure providers and use none, get one data source per
#     provider block (CONSUMER below), so that the run proves each block logs in.
# Credentials come from the environment, as the examples say: CIRCULARO_URL, CIRCULARO_USERNAME and
# CIRCULARO_PASSWORD of the seed's user platform-bot@example.com, unless a unit sets its own.
# On PATH, a stand-in for `gh` (the getting-started example's consumer) checks that it gets a key's
# value on standard input.
#
# Usage: scripts/examples-run.sh [CLI]   (default: $TF_ACC_TERRAFORM_PATH, else what ensure-cli.sh finds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

cli=${1:-${TF_ACC_TERRAFORM_PATH:-}}
if [ -z "$cli" ]; then
	cli=$(scripts/ensure-cli.sh terraform --path)
fi
cli=$(command -v "$cli")
cli_version=$(cli_product_version "$cli")
host=$(registry_host "$cli_version")
case "$cli_version" in
Terraform*) v=${cli_version#Terraform v} ;;
*)
	# OpenTofu: the units are written for Terraform (query, actions); test-tofu covers the provider.
	echo "examples-run: skipped: $cli_version (the examples run on Terraform)"
	exit 0
	;;
esac
IFS=. read -r cli_major cli_minor _ <<<"$v"

work=$(mktemp -d "${TMPDIR:-/tmp}/circularo-examples-run.XXXXXX")
cleanup() {
	stop_mock
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/plugins" "$work/bin"
go build -o "$work/plugins/terraform-provider-circularo" .
use_dev_overrides "$work/cli.tfrc" "$host" "$work/plugins"
unset TF_CLI_ARGS TF_PLUGIN_CACHE_DIR TF_DATA_DIR
# The stand-in for the GitHub CLI: `gh secret set NAME` must get a 64-character key value on stdin.
cat >"$work/bin/gh" <<'EOT'
#!/bin/sh
value=$(cat)
case $value in
*[!A-Za-z0-9]*) value= ;;
esac
if [ "$1 $2" != "secret set" ] || [ ${#value} -ne 64 ]; then
	echo "gh stand-in: want 'secret set NAME' and a key value on stdin" >&2
	exit 1
fi
echo "gh stand-in: stored secret $3"
EOT
chmod +x "$work/bin/gh"
export PATH="$work/bin:$PATH"

readonly seed_user=platform-bot@example.com seed_password=examples-password
readonly seed_totp=JBSWY3DPEHPK3PXP
# reporting-export, a key of the seed user: the token that examples/provider/provider-token.tf reads.
# legacy-reporting, a stale key of the seed user: the one that the audit keeps.
readonly legacy_reporting=sha256:718518ad8d06ff47
readonly seed_token=ExamplesReportingExport00000000000000000000000000000000000000000
# leaked-ci, a key of the seed user whose value the leaked-key examples read from a file.
readonly leaked_key_file="$work/leaked-key.txt"
printf 'LeakedCiKeyForTheLeakedKeyGuideExample00000000000000000000000000\n' >"$leaked_key_file"

ran=0 skipped=0 failed=0
ok_list=() skip_list=()

# unit NAME DIR FILES MIN ENV -- STEP...: copies FILES (a glob in DIR; "*" for all) of DIR, starts a
# mock, and runs each STEP (a CLI command line; apply and destroy get -auto-approve). ENV holds
# NAME=VALUE words that replace the default credentials ("-" for none). MIN is the oldest Terraform
# (major.minor) that the unit needs; an older CLI skips it and says so. A STEP "plan-empty" is a plan
# that must show no change, "state-empty" a state that must hold no managed resource; a STEP ending in "!fails"
# must fail.
unit() {
	local name=$1 dir=$2 files=$3 min=$4 envs=$5
	shift 6
	local min_major min_minor
	IFS=. read -r min_major min_minor <<<"$min"
	if [ "$cli_major" -lt "$min_major" ] || { [ "$cli_major" -eq "$min_major" ] && [ "$cli_minor" -lt "$min_minor" ]; }; then
		echo "examples-run: skip $name (needs Terraform $min)"
		skipped=$((skipped + 1))
		skip_list+=("$name (Terraform $min)")
		return 0
	fi
	start_mock "$work" -seed "$ROOT/scripts/testdata/examples-seed.json" || return 1
	local copy="$work/run/$name"
	mkdir -p "$copy"
	# shellcheck disable=SC2086 # $files is a glob, on purpose
	(cd "$dir" && cp -R $files "$copy"/)
	rm -rf "$copy/.terraform" "$copy/.terraform.lock.hcl" "$copy/terraform.tfstate"*
	local f
	while IFS= read -r f; do
		sed_in_place "s|https://example\.circularo\.com|$mock_url|g" "$f" || return 1
	done < <(find "$copy" -type f \( -name '*.tf' -o -name '*.hcl' \))
	if ! grep -rqsE 'source *= *"(registry\.[a-z.]*/)?circularo/circularo"' "$copy"; then
		cat >"$copy/zz_examples_run_required_providers.tf" <<EOT
terraform {
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}
EOT
	fi
	if [ -n "${CONSUMER:-}" ]; then
		printf 'data "circularo_api_keys" "examples_run" {\n  provider = %s\n}\n' "$CONSUMER" >"$copy/zz_examples_run_consumer.tf"
	fi
	local -a env_args=(CIRCULARO_URL="$mock_url" CIRCULARO_USERNAME="$seed_user" CIRCULARO_PASSWORD="$seed_password")
	if [ "$envs" = "-" ]; then
		:
	else
		env_args=(CIRCULARO_URL="$mock_url")
		local -a extra
		read -ra extra <<<"$envs"
		env_args+=("${extra[@]}")
	fi
	local step out status=ok
	if grep -qs '^module ' "$copy"/*.tf; then
		set -- "init -backend=false" "$@"
	fi
	for step in "$@"; do
		local -a args
		local want_fail=
		case "$step" in
		*'!fails') want_fail=1 step=${step%!fails} ;;
		esac
		read -ra args <<<"$step"
		case "${args[0]}" in
		apply | destroy) args+=(-auto-approve -no-color) ;;
		plan-empty) args=(plan -detailed-exitcode "${args[@]:1}" -no-color) ;;
		state-empty) args=(state list) ;;
		state) ;; # its flags go before the address
		*) args+=(-no-color) ;;
		esac
		if out=$(cd "$copy" && env -u CIRCULARO_TOKEN -u CIRCULARO_TOTP_SECRET -u CIRCULARO_TENANT -u CIRCULARO_API_PATH \
			"${env_args[@]}" "$cli" "${args[@]}" 2>&1); then
			[ -z "$want_fail" ] || {
				status="FAIL: '$step' succeeded, want a failure"
				break
			}
			if [ "${args[0]} ${args[1]:-}" = "state list" ] && [ "$step" = state-empty ] && awk '/./ && !/^data\./ { f = 1 } END { exit !f }' <<<"$out"; then
				status="FAIL: 'state-empty': the state holds managed resources"
				break
			fi
		else
			[ -n "$want_fail" ] || {
				status="FAIL: '$step'"
				break
			}
		fi
	done
	stop_mock
	mock_pid=
	if [ "$status" = ok ]; then
		echo "examples-run: ok   $name: $(printf '%s; ' "$@")"
		ran=$((ran + 1))
		ok_list+=("$name")
	else
		echo "examples-run: $status in $name" >&2
		printf '    %s\n' "${out//$'\n'/$'\n'    }" >&2
		failed=$((failed + 1))
	fi
}

# name                            dir                                          files                     min   env -- steps
CONSUMER=circularo unit provider-login examples/provider provider.tf 1.11 \
	"CIRCULARO_PASSWORD=$seed_password" -- "plan"
CONSUMER=circularo.mfa unit provider-mfa examples/provider provider-mfa.tf 1.11 \
	"CIRCULARO_PASSWORD=$seed_password CIRCULARO_TOTP_SECRET=$seed_totp" -- "plan"
CONSUMER=circularo.token unit provider-token examples/provider provider-token.tf 1.11 \
	"CIRCULARO_TOKEN=$seed_token" -- "plan"
unit getting-started examples/getting-started '*' 1.11 - -- \
	"apply" "plan-empty" "apply -var ci_key_generation=2" "plan-empty -var ci_key_generation=2"
unit data-source examples/data-sources/circularo_api_keys '*' 1.11 - -- "apply"
unit ephemeral-api-key examples/ephemeral-resources/circularo_api_key '*' 1.11 - -- "plan"
unit ephemeral-session examples/ephemeral-resources/circularo_session '*' 1.11 - -- "plan"
unit resource examples/resources/circularo_api_key '*.tf' 1.12 - -- "apply" "plan-empty"
unit list-resource examples/list-resources/circularo_api_key '*' 1.14 - -- \
	"query -generate-config-out=stale_keys.tf" "apply" "plan-empty"
unit action examples/actions/circularo_revoke_api_keys '*' 1.14 - -- \
	"plan -invoke=action.circularo_revoke_api_keys.stale" "apply -invoke=action.circularo_revoke_api_keys.stale"
unit demo examples/demo '*' 1.11 - -- "apply" "plan -var revoke_stale=true" "apply -var revoke_stale=true"
unit audit-stale-keys examples/workflows/audit-stale-keys '*' 1.11 - -- \
	"apply" "plan -destroy" "state rm circularo_api_key.stale[\"$legacy_reporting\"]" \
	"apply -destroy -var keep=[\"$legacy_reporting\"]" "apply -var keep=[\"$legacy_reporting\"]" "state-empty"
unit rotate-keys examples/workflows/rotate-keys '*' 1.11 - -- \
	"apply" "plan-empty" "apply -var reporting_key_generation=2"
unit decommission-integration examples/workflows/decommission-integration '*' 1.16 - -- \
	"apply" "apply -invoke=action.circularo_revoke_api_keys.integration -target=terraform_data.integration[\"zapier\"]"
unit adopt-keys-in-module examples/workflows/adopt-keys-in-module '*' 1.16 - -- "apply" "plan-empty"
CONSUMER=circularo.strict unit provider-revocation-review examples/provider provider-revocation-review.tf 1.11 \
	"CIRCULARO_PASSWORD=$seed_password" -- "plan"
unit rotating-resource examples/resources/circularo_rotating_api_key '*.tf' 1.11 - -- "apply" "plan-empty"
unit function examples/functions/fingerprint '*' 1.11 - -- "apply -var leaked_key_file=$leaked_key_file"
unit revoke-leaked-key examples/workflows/revoke-leaked-key '*' 1.14 - -- \
	"plan -var leaked_key_file=$leaked_key_file" \
	"plan -invoke=action.circularo_revoke_api_keys.leaked -var leaked_key_file=$leaked_key_file" \
	"apply -invoke=action.circularo_revoke_api_keys.leaked -var leaked_key_file=$leaked_key_file" \
	"plan -var leaked_key_file=$leaked_key_file"
unit revoke-leaked-key-without-action examples/workflows/revoke-leaked-key-without-action '*' 1.11 - -- \
	"apply -var leaked_key_file=$leaked_key_file" "plan-empty -var leaked_key_file=$leaked_key_file" \
	"destroy -target=circularo_api_key.leaked -var leaked_key_file=$leaked_key_file" "state-empty"

# Not run, on purpose (keep this list short; each says why). Every ```hcl or ```terraform block written
# into templates/ must be one of these (FILE|a word of the block); any other belongs in examples/, shown
# with tffile, where a unit above runs it.
not_run=(
	# needs the hashicorp/aws provider and an AWS account (no network here)
	"templates/guides/rotating-api-keys.md.tmpl|aws_secretsmanager_secret_version"
	# a CLI configuration, not a Terraform one: every unit above runs through the same dev_overrides block
	"templates/index.md.tmpl|provider_installation"
)
# Also not run: examples/resources/circularo_api_key/import.sh, the `terraform import` command of the key
# that import-by-string-id.tf adopts (the resource unit runs that import), and the applies of the
# ephemeral examples, whose provisioners run the reader's own scripts (./export-key-audit.sh,
# ./store-ci-secret.sh): they are planned, and getting-started applies the same pattern.
while IFS= read -r block; do
	file=${block%%|*} text=${block#*|} listed=
	for entry in "${not_run[@]}"; do
		if [ "${entry%%|*}" = "$file" ] && [[ $text == *"${entry#*|}"* ]]; then listed=1; fi
	done
	if [ -z "$listed" ]; then
		echo "examples-run: FAIL: $file has an HCL block that nothing runs: move it to examples/ (tffile) or list it in not_run with a reason" >&2
		failed=$((failed + 1))
	fi
done < <(find templates -name '*.tmpl' -exec awk '
	/^```(hcl|terraform)[[:space:]]*$/ { inside = 1; text = ""; next }
	inside && /^```/ { inside = 0; gsub(/\|/, " ", text); print FILENAME "|" text; next }
	inside { text = text " " $0 }' {} +)

echo "examples-run: $ran units run as written, $skipped skipped for the CLI ($cli_version), $failed failed"
[ ${#skip_list[@]} -eq 0 ] || echo "examples-run: skipped for $cli_version: ${skip_list[*]}"
[ "$failed" -eq 0 ] || {
	echo "examples-run: FAIL" >&2
	exit 1
}
