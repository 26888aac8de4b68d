#!/usr/bin/env bash
# The changelog: fragments valid, changelogs/changelog.yaml valid, and CHANGELOG.md exactly what
# antsibull-changelog generates from it (never edited by hand).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
antsibull-changelog lint
antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
mkdir -p build
antsibull-changelog generate --output build/CHANGELOG.generated.md --output-format md 2>/dev/null
if ! cmp -s build/CHANGELOG.generated.md CHANGELOG.md; then
  diff -u CHANGELOG.md build/CHANGELOG.generated.md | head -40 >&2
  echo "CHANGELOG.md differs from changelogs/changelog.yaml: add a fragment to changelogs/fragments/ instead of editing CHANGELOG.md" >&2
  exit 1
fi
