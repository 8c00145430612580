#!/usr/bin/env bash
# Docs freshness check (`make test-docs`): regenerate docs/ with tfplugindocs, fail if that changed,
# deleted or added anything under docs/ (git status --porcelain, so new untracked files count too),
# and validate docs/ with `tfplugindocs validate`; then the changelog (scripts/check-changelog.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "check-docs: not a git work tree: cannot tell whether docs/ is up to date" >&2
	exit 1
fi

# generate.sh --docs-only runs `tfplugindocs generate` then `tfplugindocs validate`.
scripts/generate.sh --docs-only

changes=$(git status --porcelain --untracked-files=all -- docs/)
if [ -n "$changes" ]; then
	echo "check-docs: FAIL: docs/ is stale: run make generate and commit docs/" >&2
	echo "$changes" >&2
	git --no-pager diff --stat -- docs/ >&2 || true
	exit 1
fi
echo "check-docs: docs/ is up to date and valid"
scripts/check-changelog.sh
