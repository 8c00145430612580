#!/usr/bin/env bash
# The acceptance tier, tested here (`make test-acc-mock`, part of `make test`): runs `make testacc`
# and `make sweep` as a user with a real Circularo account would, against the mock server started as
# a process of its own. The tests know only the CIRCULARO_* settings and the public API; nothing in
# them reaches into the mock.
#
#   1. builds internal/mockserver/cmd/circularo-mock and starts it on 127.0.0.1:0 with
#      scripts/testdata/acc-seed.json: user acc-runner with a leftover tf-acc- key created 2 hours
#      ago, a tf-acc- key created 5 minutes ago (a test still running, for all the sweeper knows),
#      and keys of other owners (prod-ci, not-tf-acc-..., tf-accounting-...);
#   2. exports CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD (and unsets every other
#      CIRCULARO_* variable), then runs `make testacc` and `make sweep`;
#   3. checks through the public HTTP API (curl; the JSON is read with sed, since a fresh machine may
#      lack jq) that the sweeper revoked the leftover and nothing else, and that the tests left no
#      tf-acc- key of their own behind; and in the mock's request log that every session opened
#      (by the tests, the sweeper and this script) was logged out.
#
# Usage: scripts/test-acc-mock.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CHECKPOINT_DISABLE=1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

say() { echo "test-acc-mock: $*"; }
fail() {
	echo "test-acc-mock: FAIL: $*" >&2
	exit 1
}

seed=$ROOT/scripts/testdata/acc-seed.json
user=acc-runner
password=acc-runner-password
api_path=/api/v1
# The seed's keys, by description.
leftover=tf-acc-leftover-qx7d2kfa9m
recent=tf-acc-recent-b3nw8zt4ce
unrelated=(prod-ci not-tf-acc-leftover-h2m9cv tf-accounting-export)

work=$(mktemp -d "${TMPDIR:-/tmp}/circularo-acc.XXXXXX")
cleanup() {
	stop_mock
	rm -rf "$work"
}
trap cleanup EXIT

say "building and starting the mock Circularo server (seed $seed)"
start_mock "$work" -seed "$seed" -api-path "$api_path" || fail "the mock did not start"
url=$mock_url
say "mock Circularo API at $url"

# descriptions: the user's key descriptions, one a line, through the public API: log in, list, log out.
descriptions() {
	local login token keys
	login=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
		-d "{\"name\":\"$user\",\"password\":\"$password\",\"returnToken\":true}" "$url$api_path/login") ||
		fail "POST $api_path/login failed: $login"
	token=$(sed -n 's/.*"token":"\([A-Za-z0-9]*\)".*/\1/p' <<<"$login")
	[ -n "$token" ] || fail "POST $api_path/login answered no token"
	keys=$(curl -sS --fail-with-body "$url$api_path/api/key?token=$token") || fail "GET $api_path/api/key failed"
	curl -sS --fail-with-body -o /dev/null "$url$api_path/logout?token=$token" || fail "GET $api_path/logout failed"
	grep -o '"description":"[^"]*"' <<<"$keys" | sed 's/^"description":"//; s/"$//' || true
}

# has LIST DESCRIPTION: whether the list holds exactly that line.
has() { grep -qxF -- "$2" <<<"$1"; }

# Only the account named here: a developer's own CIRCULARO_* settings must not leak in.
while IFS= read -r name; do
	case "$name" in CIRCULARO_*) unset "$name" ;; esac
done < <(compgen -e)
export CIRCULARO_URL=$url CIRCULARO_USERNAME=$user CIRCULARO_PASSWORD=$password

# The checks after the sweep are only worth something if they see the seed as it is now.
before=$(descriptions)
for d in "$leftover" "$recent" "${unrelated[@]}"; do
	has "$before" "$d" || fail "the seeded key $d is not in the API's list before the tests: $before"
done

say "make testacc"
make --no-print-directory testacc

say "make sweep"
make --no-print-directory sweep 2>&1 | tee "$work/sweep.log"
sweep_log=$(<"$work/sweep.log")

after=$(descriptions)
has "$after" "$leftover" && fail "the sweeper left the leftover $leftover (created 2 hours ago)"
has "$after" "$recent" || fail "the sweeper revoked $recent, created 5 minutes ago (younger than an hour)"
for d in "${unrelated[@]}"; do
	has "$after" "$d" || fail "the sweeper revoked $d, which is not a tf-acc- key"
done
acc_left=$(grep -E '^tf-acc-' <<<"$after" || true)
[ "$acc_left" = "$recent" ] || fail "tf-acc- keys left after the tests and the sweep: $(tr '\n' ' ' <<<"$acc_left") (want only $recent)"

# The sweeper names what it revoked, and only that.
grep -qE "revoked the API key \"$leftover\" \(sha256:[0-9a-f]{16}\)" <<<"$sweep_log" || fail "the sweep log does not name the revoked $leftover and its fingerprint"
revoked=$(grep -c 'revoked the API key' <<<"$sweep_log" || true)
[ "$revoked" = 1 ] || fail "the sweep log reports $revoked revoked keys, want 1"

# Every session opened was logged out: the tests' in-process provider, the provider processes of
# the action test, the checks' and the sweeper's sessions, and this script's own.
mock_log=$(<"$work/mock.log")
logins=$(grep -cE "POST $api_path/login 200 " <<<"$mock_log" || true)
logouts=$(grep -cE "GET $api_path/logout\?token=REDACTED 200 " <<<"$mock_log" || true)
[ "$logins" -gt 0 ] || fail "the mock logged no login"
[ "$logins" = "$logouts" ] || fail "$logins sessions were opened and $logouts logged out"

say "ok: the sweeper revoked $leftover only; $recent and ${unrelated[*]} are kept; the tests left no key; $logins sessions opened and logged out (${SECONDS}s)"
