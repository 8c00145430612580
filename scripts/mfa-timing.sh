#!/usr/bin/env bash
# Measures what MFA costs against a server that refuses a reused TOTP code (RFC 6238 section 5.2):
# the workflow `plan -out`, `apply` of that saved plan, then `destroy`, with two provider
# configurations of one MFA user, run by the real Terraform CLI with the provider as its own
# processes (dev_overrides) on the real clock, against the circularo-mock process without and with
# -reject-reused-totp. It prints each command's wall time, and the mock's unlock answers.
# Not part of `make test`: it waits for real time steps (up to a few minutes).
#
#   scripts/mfa-timing.sh [TERRAFORM]     (default: terraform on PATH)
set -euo pipefail
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_CLI_CONFIG_FILE

root=$(cd "$(dirname "$0")/.." && pwd)
tf=${1:-terraform}
work=$(mktemp -d)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
cleanup() {
	stop_mock
	rm -rf "$work"
}
trap cleanup EXIT

tf_version=$(cli_product_version "$tf")
provider_host=$(registry_host "$tf_version")
echo "Using $tf_version ($(command -v "$tf"))"
mkdir -p "$work/bin"
(cd "$root" && go build -o "$work/bin/terraform-provider-circularo" .)
use_dev_overrides "$work/cli.tfrc" "$provider_host" "$work/bin"

cat >"$work/seed.json" <<'EOT'
{"users": [{"name": "mallory", "password": "mallory-password-1", "totp_secret": "JBSWY3DPEHPK3PXP"}]}
EOT

# Two provider configurations of the same MFA user, each owning a key: Terraform runs a provider
# process for each, in every command.
config() {
	local url=$1
	cat <<'EOT'
terraform {
  required_providers {
    circularo = { source = "circularo/circularo" }
  }
}
EOT
	for alias in "" 'alias = "second"'; do
		cat <<EOT
provider "circularo" {
  $alias
  url         = "$url"
  username    = "mallory"
  password    = "mallory-password-1"
  totp_secret = "JBSWY3DPEHPK3PXP"
}
EOT
	done
	cat <<'EOT'
resource "circularo_api_key" "first" {
  description = "first configuration"
}

resource "circularo_api_key" "second" {
  provider    = circularo.second
  description = "second configuration"
}
EOT
}

# logins: how many logins the mock has answered so far.
logins() {
	local log
	log=$(<"$run/mock.log")
	grep -c ' POST /api/v1/login [0-9]' <<<"$log" || true
}

# timed LABEL CMD...: runs CMD, appends "LABEL SECONDS (N logins)" to $times, fails the script when
# CMD fails.
timed() {
	local label=$1 start end before
	shift
	before=$(logins)
	start=$(date +%s.%N)
	if ! "$@" >>"$run/terraform.log" 2>&1; then
		echo "$label failed:" >&2
		cat "$run/terraform.log" >&2
		return 1
	fi
	end=$(date +%s.%N)
	awk -v label="$label" -v s="$start" -v e="$end" -v n=$(($(logins) - before)) \
		'BEGIN { printf "%s %.1fs (%d logins)\n", label, e - s, n }' >>"$times"
}

results=()
for mode in lenient strict; do
	run=$work/$mode
	mkdir -p "$run/tf"
	flags=(-seed "$work/seed.json")
	if [ "$mode" = strict ]; then flags+=(-reject-reused-totp); fi
	start_mock "$run" "${flags[@]}"
	config "$mock_url" >"$run/tf/main.tf"
	# A cache directory of the run's own: the provider keeps its record of TOTP steps there.
	export XDG_CACHE_HOME=$run/cache
	times=$run/times
	: >"$times"
	(
		cd "$run/tf"
		timed "plan -out" "$tf" plan -no-color -out tfplan
		timed "apply tfplan" "$tf" apply -no-color tfplan
		timed "destroy" "$tf" destroy -no-color -auto-approve
	)
	stop_mock
	mock_pid=
	unlocks=$(grep -c 'POST /api/v1/login/unlock' "$run/mock.log" || true)
	refused=$(grep -c 'POST /api/v1/login/unlock?token=REDACTED 401' "$run/mock.log" || true)
	total=$(awk '{ s += $(NF - 2) } END { printf "%.1f", s }' "$times")
	results+=("$mode ($([ "$mode" = strict ] && echo "-reject-reused-totp" || echo "no switch")): $(awk '{ printf "%s%s", sep, $0; sep = ", " }' "$times"); total ${total}s; $unlocks unlocks, $refused refused")
done

echo
echo "Two provider configurations of one MFA user: plan -out, apply of the saved plan, destroy"
printf '  %s\n' "${results[@]}"
