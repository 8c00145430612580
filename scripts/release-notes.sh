#!/usr/bin/env bash
# Prints the release notes of one version: its section of CHANGELOG.md, without the heading.
# The release configuration uses it (see .goreleaser.yml):
#   goreleaser release --clean --release-notes <(scripts/release-notes.sh 0.1.0)
#
# Usage: scripts/release-notes.sh [VERSION]   (default: the first section, such as "0.1.0 (Unreleased)")
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-}
version=${version#v}
notes=$(awk -v want="$version" '
	/^## / {
		if (printing) exit
		if (want == "" || $2 == want) { printing = 1; found = 1; next }
	}
	printing && (started || NF) { print; started = 1 }
	END { if (!found) exit 1 }
' CHANGELOG.md) || {
	echo "release-notes: CHANGELOG.md has no section for ${version:-any version}" >&2
	exit 1
}
printf '%s\n' "$notes"
