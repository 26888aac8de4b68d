#!/usr/bin/env bash
# ansible-test sanity on the built collection, unpacked where ansible-test wants it
# (ansible_collections/dukcapil/siak) and committed to a throwaway git repo so it sees every file.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$(awk '/^version:/ {print $2}' "$repo/galaxy.yml")
work="$repo/build/sanity"
dest="$work/ansible_collections/dukcapil/siak"
rm -rf "$dest" && mkdir -p "$dest"
tar -xzf "$repo/build/dist/dukcapil-siak-$version.tar.gz" -C "$dest"
cd "$dest"
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
# A HOME of its own: ansible-test caches its pip bootstrap script there, not in the user's home.
export HOME="$work/home"
mkdir -p "$HOME/.ansible/test/cache"
for v in 24.2 24.3 25.0 25.1 25.2; do
  cp "$repo/tests/sanity/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${v//./_}.py"
done
# The shellcheck test runs on the shipped *.sh files (Debian's shellcheck, make setup). pslint would check the
# PowerShell scripts of roles/client_rollout/files/windows/, but it runs inside PowerShell (pwsh and
# PSScriptAnalyzer), which no package source reachable here provides: it is skipped, and
# docs/development.md says so. Every other sanity test reads those .ps1 files too.
ps1=$(git ls-files '*.ps1' | wc -l)
[ "$ps1" -gt 0 ] || { echo "sanity: no .ps1 file in the tarball; update this script and docs/development.md" >&2; exit 1; }
if command -v pwsh >/dev/null; then
  exec ansible-test sanity --python 3.11 "$@"
fi
echo "sanity: pslint skipped for the $ps1 PowerShell scripts: no pwsh on this machine (docs/development.md)"
exec ansible-test sanity --python 3.11 --skip-test pslint "$@"
