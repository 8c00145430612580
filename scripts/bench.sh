#!/usr/bin/env bash
# The benchmark (make bench), against the mock Circularo API:
# - terraform plan with N circularo_api_key resources, next to the same plan with -refresh=false and a
#   plan over N terraform_data resources;
# - terraform query listing the N keys (circularo_api_key list resource), next to a plan whose
#   circularo_api_keys data source reads them and a query that matches no key (the floor).
# Prints wall and CPU times, API calls by kind, the provider's peak memory and the issue's targets.
#
# Usage: scripts/bench.sh [-n 100,1000,5000] [-runs 3] [-query-only | -plan-only] [-profile DIR] [-workdir DIR]
#   -query-only    only terraform query and the data-source plan (under a minute at N = 1000,5000)
#   -plan-only     only the plans over N resources, as before terraform query
#   -profile DIR   also writes CPU and heap profiles of the provider during one more plan at the largest N
#   CIRCULARO_BENCH_PROVIDER=/path/to/terraform-provider-circularo   measures another build instead
#   BENCH_SKIP_SMOKE=1   skips the smoke tests that run first (go test of internal/benchmark with CIRCULARO_BENCH=1)
#
# Takes about 11 minutes with the defaults on 2 cores with Terraform 1.16.4 (the plans at N=5000
# dominate). The CLI is the newest supported Terraform (scripts/ensure-cli.sh terraform): terraform
# query needs 1.14 or later.
# The memory figures need GNU time (/usr/bin/time).
set -euo pipefail
export CHECKPOINT_DISABLE=1

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing GNU time (apt-get install time) for the memory figures" >&2
		apt-get install -y time >/dev/null 2>&1 ||
			{ apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1; } ||
			echo "bench: could not install GNU time: the provider's memory is not measured" >&2
	else
		echo "bench: /usr/bin/time is missing (Debian/Ubuntu: apt-get install time): the provider's memory is not measured" >&2
	fi
fi

# The benchmark's smoke tests first (N = 3, one run, about 15 s): they build the provider and run real
# Terraform, so a plain `go test ./...` skips them unless CIRCULARO_BENCH=1.
# BENCH_SKIP_SMOKE=1 leaves them out.
run() {
	if [ -x scripts/ensure-cli.sh ]; then
		scripts/ensure-cli.sh terraform -- "$@"
	else
		"$@"
	fi
}
if [ "${BENCH_SKIP_SMOKE:-}" != 1 ]; then
	echo "bench: smoke tests (CIRCULARO_BENCH=1 go test -run '^TestRun_small' ./internal/benchmark/)" >&2
	run env CIRCULARO_BENCH=1 go test -count=1 -run '^TestRun_small' ./internal/benchmark/
fi
run go run ./internal/benchmark/cmd/plan-bench "$@"
