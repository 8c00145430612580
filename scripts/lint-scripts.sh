#!/usr/bin/env bash
# Lints the shell scripts (part of `make lint`): shellcheck, shfmt's style, then the project's own
# pipeline rule.
#
# The pipeline rule: under `set -o pipefail` (every script here), a reader that stops early, such as
# `grep -q`, `grep -m`, `head` or `sed ...q`, lets its producer die of SIGPIPE, and pipefail turns that
# into a failure that comes and goes with timing (`unzip -l ZIP | grep -q NAME` failed 1 run in 200).
# Read a command's whole output first instead: `out=$(cmd); grep -q PATTERN <<<"$out"`, or let awk
# read to the end (`cmd | awk '!f { print; f = 1 }'` for the first line).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts=(.ci/run scripts/*.sh)
failed=0

if ! command -v shellcheck >/dev/null 2>&1; then
	echo "lint-scripts: shellcheck is missing (Debian: apt-get install shellcheck; .ci/run installs it)" >&2
	exit 1
fi
shellcheck --external-sources --severity=style "${scripts[@]}" || failed=1

# One style: shfmt's (tabs, as Go), so that a diff shows changes, not reformatting. `shfmt -w FILE` fixes it.
if ! command -v shfmt >/dev/null 2>&1; then
	echo "lint-scripts: shfmt is missing (Debian: apt-get install shfmt; .ci/run installs it)" >&2
	exit 1
fi
if ! shfmt -d "${scripts[@]}"; then
	echo "lint-scripts: not in shfmt's style: run shfmt -w on the files above" >&2
	failed=1
fi

# A pipe into a reader that can stop before its input ends.
early_reader='\|[[:space:]]*(grep[[:space:]]+(-[[:alnum:]]*[qlLm]|--quiet|--max-count|--files-with)|head([[:space:]]|$)|sed[[:space:]]+(-n[[:space:]]+)?[^|]*[0-9]q)'
# (Comment lines are skipped; both greps here read their whole input.)
if hits=$(grep -nE "$early_reader" "${scripts[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#'); then
	echo "lint-scripts: a pipe into a reader that may stop early can fail under pipefail; read the whole output first:" >&2
	printf '%s\n' "$hits" >&2
	failed=1
fi

if [ "$failed" -ne 0 ]; then
	echo "lint-scripts: FAIL" >&2
	exit 1
fi
echo "lint-scripts: ${#scripts[@]} scripts clean (shellcheck, shfmt, pipeline rule)"
