#!/usr/bin/env bash
# Changelog check (part of `make test-docs`): CHANGELOG.md starts with a version section in the
# HashiCorp providers' form, uses only their categories, names every resource, data source, ephemeral
# resource, list resource and action that docs/ documents, and yields release notes.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() {
	echo "check-changelog: FAIL: $*" >&2
	exit 1
}
[ -f CHANGELOG.md ] || fail "there is no CHANGELOG.md"
changelog=$(<CHANGELOG.md)

first=$(grep -m1 '^## ' <<<"$changelog" || true)
grep -qE '^## [0-9]+\.[0-9]+\.[0-9]+ \((Unreleased|[A-Z][a-z]+ [0-9]{1,2}, [0-9]{4})\)$' <<<"$first" ||
	fail "the first section heading is \"$first\", want \"## X.Y.Z (Unreleased)\" or \"## X.Y.Z (Month D, YYYY)\""
if bad=$(grep -nE '^[A-Z][A-Z ]+:$' <<<"$changelog" | grep -vE ':(BREAKING CHANGES|NOTES|FEATURES|ENHANCEMENTS|BUG FIXES):$'); then
	fail "unknown categories (use BREAKING CHANGES, NOTES, FEATURES, ENHANCEMENTS, BUG FIXES): $bad"
fi

# Every documented kind of thing is a user-visible feature: the changelog names each one.
missing=()
for page in docs/resources/*.md docs/data-sources/*.md docs/ephemeral-resources/*.md docs/list-resources/*.md docs/actions/*.md; do
	[ -e "$page" ] || continue
	name=circularo_$(basename "$page" .md)
	grep -qF "\`$name\`" <<<"$changelog" || missing+=("$name (${page%/*})")
done
[ ${#missing[@]} -eq 0 ] || fail "CHANGELOG.md does not mention: ${missing[*]}"

notes=$(scripts/release-notes.sh) || fail "scripts/release-notes.sh found no release notes"
[ -n "${notes//[[:space:]]/}" ] || fail "the first section of CHANGELOG.md is empty"
echo "check-changelog: CHANGELOG.md is well formed and names every documented resource, data source, list resource and action"
