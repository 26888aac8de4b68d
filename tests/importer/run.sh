#!/usr/bin/env bash
# galaxy-importer on the built tarball, offline, as Galaxy imports it: metadata, role READMEs, the
# changelog, ansible-doc on every plugin and ansible-lint (production profile) on the content. Its
# ansible-test step is off (make sanity runs ansible-test on the same tarball). Clean means no
# WARNING and no ERROR line.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$(awk '/^version:/ {print $2}' "$repo/galaxy.yml")
work="$repo/build/importer"
rm -rf "$work" && mkdir -p "$work/tmp"
cat >"$work/galaxy-importer.cfg" <<CFG
[galaxy-importer]
run_ansible_test = False
run_ansible_lint = True
offline_ansible_lint = True
check_changelog = True
run_ansible_doc = True
ansible_local_tmp = $work/tmp
tmp_root_dir = $work/tmp
CFG
# It writes importer_result.json into the current folder: build/importer, not the checkout.
cd "$work"
set +e
GALAXY_IMPORTER_CONFIG="$work/galaxy-importer.cfg" python -m galaxy_importer.main \
  "$repo/build/dist/dukcapil-siak-$version.tar.gz" >"$work/log.txt" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ] || grep -Eq '^(WARNING|ERROR|CRITICAL):' "$work/log.txt"; then
  grep -Ev '^Loading ' "$work/log.txt" >&2
  echo "galaxy-importer: not clean (exit $rc; full log $work/log.txt)" >&2
  exit 1
fi
echo "galaxy-importer: clean ($(grep -c '^Loading ' "$work/log.txt") plugins and roles loaded)"
