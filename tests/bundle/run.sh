#!/usr/bin/env bash
# The offline bundle, installed as an office without internet installs it: unpacked into an empty
# folder, install.sh run in a network namespace of its own (no interface but a down loopback, so the
# package index and Galaxy are unreachable), with none of this machine's pip settings. Then, still
# offline and from an empty folder: the runtime packages import (the execution environment installs the
# same requirements-runtime.txt), the collections are the pinned versions, the playbooks resolve by FQCN,
# siak-sop runs, and the Laporan's PDF renderer makes a PDF.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$(awk '/^version:/ {print $2}' "$repo/galaxy.yml")
archive="$repo/build/dist/dukcapil-siak-bundle-$version-debian12-py311-x86_64.tar.gz"
[ -f "$archive" ] || { echo "no bundle at $archive: run make bundle" >&2; exit 1; }
work=$(mktemp -d "$repo/build/bundle-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/carried" "$work/empty"
tar -xzf "$archive" -C "$work/carried"
bundle=$(echo "$work"/carried/dukcapil-siak-bundle-*)
py=$(command -v /usr/bin/python3.11 || command -v python3.11)

# Only a clean environment goes in: no pip or Ansible settings, no venv on PATH.
offline=(env -i HOME="$work/home" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 unshare --net)
mkdir "$work/home"
"${offline[@]}" env PYTHON="$py" "$bundle/install.sh" "$work/venv"

venv="$work/venv"
check() { (cd "$work/empty" && "${offline[@]}" "$@"); }
check "$venv/bin/python" - "$repo/requirements-runtime.txt" <<'PY'
import importlib, sys
from importlib.metadata import version
pins = [l.split("==") for l in open(sys.argv[1]).read().splitlines() if "==" in l and not l.startswith("#")]
for name, pinned in pins:
    assert version(name) == pinned.strip(), (name, version(name), pinned)
for module in ("ansible", "ansible_runner", "winrm", "pyghmi.ipmi.command", "jinja2", "yaml", "dateutil",
               "rich", "weasyprint", "babel", "pyhanko", "siak_sop.start"):
    importlib.import_module(module)
import weasyprint
pdf = weasyprint.HTML(string="<h1>Laporan</h1><p>Sesuai Mutu Baku ✓</p>").write_pdf()
assert pdf.startswith(b"%PDF"), "no PDF"
print(f"bundle: {len(pins)} runtime pins installed and imported, a PDF rendered")
PY
listed=$(check "$venv/bin/ansible-galaxy" collection list --format json 2>/dev/null)
"$py" - "$repo/requirements.yml" "$version" "$listed" <<'PY'
import json, sys, yaml
listed = {}
for path in json.loads(sys.argv[3]).values():
    listed.update({name: info["version"] for name, info in path.items()})
want = {c["name"]: c["version"].lstrip("=") for c in yaml.safe_load(open(sys.argv[1]))["collections"]}
want["dukcapil.siak"] = sys.argv[2]
assert {n: listed.get(n) for n in want} == want, (listed, want)
print(f"bundle: collections {', '.join(f'{n} {v}' for n, v in sorted(want.items()))}")
PY
for playbook in upgrade backup client_rollout rollback preflight; do
  out=$(check "$venv/bin/ansible-playbook" --syntax-check -i localhost, "dukcapil.siak.$playbook" 2>&1) \
    || { echo "$out" >&2; echo "bundle: dukcapil.siak.$playbook does not resolve" >&2; exit 1; }
done
check "$venv/bin/ansible-doc" -t callback dukcapil.siak.agenda >/dev/null
check "$venv/bin/siak-sop" budgets upgrade >/dev/null
echo "bundle: installed offline; the playbooks resolve by FQCN from an empty folder; siak-sop runs"
