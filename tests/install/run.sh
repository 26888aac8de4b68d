#!/usr/bin/env bash
# A collection user's path (README, Install), end to end against a real lab:
#   1. the built collection tarball and the siak-sop wheel (make bundle builds both) hold no lab, no
#      stand-in and no development configuration;
#   2. they are installed into a fresh venv (the wheel with only the dependencies it declares, from the
#      bundle's wheels, no index) and a fresh collections path;
#   3. from an empty folder, `ansible-playbook dukcapil.siak.backup` runs the backup SOP against the lab
#      (the Oracle stand-in on siak-db), and from a folder holding only docs/ansible.cfg.example,
#      `siak-sop run backup` runs it again and writes the Laporan;
#   4. every output is in ./siak-sop-out of the folder it ran from, nothing else appeared there, and
#      nothing in the installed collection changed (it is mounted read-only for the runs, and compared
#      file by file after); without the collection, siak-sop says how to install it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$(awk '/^version:/ {print $2}' "$repo/galaxy.yml")
stage="$repo/build/bundle/dukcapil-siak-bundle-$version-debian12-py311-x86_64"
[ -d "$stage/wheels" ] || { echo "no bundle at $stage: run make bundle" >&2; exit 1; }
tarball="$stage/collections/dukcapil-siak-$version.tar.gz"
wheel=$(ls "$stage"/wheels/siak_sop-*.whl)
dev="$repo/.venv/bin"
py=$(command -v /usr/bin/python3.11 || command -v python3.11)
fail() { echo "install test: $*" >&2; exit 1; }

work=$(mktemp -d "$repo/build/install-test.XXXXXX")
lab=(env SIAK_LAB_DIR="$work/lab" "$dev/siak-lab" --lab-dir "$work/lab" --inventory-dir "$work/inventory")
cleanup() {
  (cd "$repo" && "${lab[@]}" down >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. What ships: the tarball and the wheel list their files; none may be the lab's or a development file.
"$py" - "$tarball" "$wheel" <<'PY'
import re, sys, tarfile, zipfile
names = {"collection": tarfile.open(sys.argv[1]).getnames(), "wheel": zipfile.ZipFile(sys.argv[2]).namelist()}
banned = re.compile(
    r"(^|/)(siak_lab|standins?|lab_oracle_standin\.yml|oracle_standin\.yml|\.lab|[^/]*\.egg-info)(/|$)"
    r"|^(tests|out|siak-sop-out|inventories/lab|bench|molecule)(/|$)|^(ansible\.cfg|pyproject\.toml|Makefile"
    r"|requirements\.txt)$"
)
found = {kind: [n for n in listed if banned.search(n)] for kind, listed in names.items()}
assert found == {"collection": [], "wheel": []}, found
assert "docs/ansible.cfg.example" in names["collection"], "the office's ansible.cfg example is missing"
assert any(n.endswith("siak_sop/cli.py") for n in names["wheel"]), "the wheel holds no siak-sop"
# The logic, the SOP tables, the catalogue and the report templates ship once, in the collection; the
# wheel's wrapper imports them from the installed collection.
logic = re.compile(r"(^|/)(sops|locale|report|templates)/|(^|/)siak_sop/(sop|budgets|i18n|runlog|agenda)\.py$")
assert [n for n in names["wheel"] if logic.search(n)] == [], "the wheel carries the collection's logic"
assert [n for n in names["collection"] if n == "src" or n.startswith("src/")] == [], "the tarball ships src/"
assert "plugins/plugin_utils/sops/sop_piak_15.yml" in names["collection"], "the tarball has no SOP table"
print(f"install test: {len(names['collection'])} files in the tarball, {len(names['wheel'])} in the wheel, "
      "no lab, stand-in or development file")
PY

# 2. A fresh venv and a fresh collections path, from files only.
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
"$py" -m venv --without-pip "$work/venv"
pip_wheel=$(ls "$stage"/wheels/pip-*.whl)
"$work/venv/bin/python" "$pip_wheel/pip" install -q --no-index --find-links "$stage/wheels" pip
# Only what the wheel declares, at the tested versions: a missing dependency fails the runs below.
"$work/venv/bin/python" -m pip install -q --no-index --find-links "$stage/wheels" \
  -c "$repo/requirements-runtime.txt" "$wheel"
ANSIBLE_CONFIG="" ANSIBLE_COLLECTIONS_PATH="$work/collections" \
  "$work/venv/bin/ansible-galaxy" collection install --offline -p "$work/collections" \
  "$stage"/collections/*.tar.gz >/dev/null
collection="$work/collections/ansible_collections/dukcapil/siak"
[ -f "$collection/MANIFEST.json" ] || fail "the collection did not install into $work/collections"
snapshot() { (cd "$work/collections" && find . -printf '%p %y %s %m %T@\n' | LC_ALL=C sort); }
snapshot >"$work/collections.before"

# The lab (the development package siak-lab) with the Oracle stand-in on siak-db.
seed=$(cd "$repo/tests" && "$dev/python" -c 'from labkit import free_net, lab_seed; print(free_net(lab_seed(63)))')
(cd "$repo" && "${lab[@]}" up --workstations 0 --net "$seed" >/dev/null)
(cd "$repo" && ANSIBLE_CONFIG="$repo/ansible.cfg" SIAK_OUTPUT_DIR="$work/lab-out" \
  "$dev/ansible-playbook" -i "$work/inventory" tests/lab/oracle_standin.yml >"$work/standin.log" 2>&1) \
  || { tail -30 "$work/standin.log" >&2; fail "the Oracle stand-in did not install"; }
# Service hours three days from now (never now, whatever the clock), so the wrapper's guard and the
# role's agree that the backup may run; the role's own clock is fixed after hours.
day=$("$py" -c 'import datetime; print(("mon","tue","wed","thu","fri","sat","sun")[(datetime.date.today().weekday() + 3) % 7])')
mkdir "$work/hours"
printf 'database_servers:\n  vars:\n    oracle_backup_service_hours:\n      - {days: %s, start: "00:00", end: "00:01"}\n' \
  "$day" >"$work/hours/hours.yml"
vars='{"oracle_backup_now": "2026-11-22T20:00:00+07:00", "oracle_backup_poll_s": 1}'

# A user's shell: the fresh venv on PATH, no Ansible, pip or siak settings of this machine, and the
# collections path mounted read-only (as an office's shared install may be): a write there fails the run.
# shellcheck disable=SC2016  # the script is sh's, its $0 and $@ are the arguments after it
user=(unshare --mount --propagation private sh -c \
  'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"' "$work/collections" \
  env -i HOME="$work/home" PATH="$work/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8)
mkdir "$work/home" "$work/empty" "$work/office"

# 3a. ansible-playbook by FQCN from an empty folder, with the agenda and laporan callbacks (docs/laporan.md:
# the laporan callback renders after a plain ansible-playbook run when told to).
(cd "$work/empty" && "${user[@]}" ANSIBLE_COLLECTIONS_PATH="$work/collections" \
  ANSIBLE_CALLBACKS_ENABLED=dukcapil.siak.agenda,dukcapil.siak.laporan SIAK_LAPORAN_WHEN=always \
  ansible-playbook dukcapil.siak.backup -i "$work/inventory" -i "$work/hours/hours.yml" -e "$vars" \
  >"$work/playbook.log" 2>&1) || { tail -40 "$work/playbook.log" >&2; fail "ansible-playbook dukcapil.siak.backup failed"; }
ls "$work"/empty/siak-sop-out/agenda/*/*.jsonl >/dev/null 2>&1 || fail "no agenda in ./siak-sop-out/agenda"
ls "$work"/empty/siak-sop-out/reports/*/laporan-*.pdf >/dev/null 2>&1 || fail "no Laporan PDF in ./siak-sop-out/reports"
ls "$work"/empty/siak-sop-out/buku-agenda/buku-agenda-*.pdf >/dev/null 2>&1 || fail "no Buku Agenda page in ./siak-sop-out"
[ "$(ls -A "$work/empty")" = "siak-sop-out" ] || fail "ansible-playbook left more than siak-sop-out: $(ls -A "$work/empty")"

# 3b. siak-sop from a folder holding only the office's ansible.cfg (docs/ansible.cfg.example), naming the
# collections path the collection was installed into.
sed -e "s|^# collections_path = .*|collections_path = $work/collections|" \
  -e "s|^inventory = .*|inventory = $work/inventory|" "$collection/docs/ansible.cfg.example" >"$work/office/ansible.cfg"
(cd "$work/office" && "${user[@]}" SIAK_PROGRESS=plain \
  siak-sop run backup -i "$work/inventory" -i "$work/hours/hours.yml" -e "$vars" >"$work/siak-sop.log" 2>&1) \
  || { tail -40 "$work/siak-sop.log" >&2; fail "siak-sop run backup failed"; }
ls "$work"/office/siak-sop-out/reports/*/laporan-*.pdf >/dev/null 2>&1 || fail "no Laporan PDF in ./siak-sop-out/reports"
ls "$work"/office/siak-sop-out/agenda/*/*.jsonl >/dev/null 2>&1 || fail "no agenda in ./siak-sop-out/agenda"
for left in "$work"/office/* "$work"/office/.[!.]*; do
  case "${left##*/}" in ansible.cfg | siak-sop-out | '.[!.]*') ;; *) fail "siak-sop left more than siak-sop-out: $left" ;; esac
done

# 4. The installed collection is as installed; without it, siak-sop names the fix.
snapshot | diff -u "$work/collections.before" - >&2 || fail "a run wrote inside the installed collection"
set +e
missing=$(cd "$work/empty" && "${user[@]}" ANSIBLE_COLLECTIONS_PATH="$work/nowhere" siak-sop run backup 2>&1)
code=$?
set -e
if [ "$code" -ne 2 ] || grep -q Traceback <<<"$missing" || ! grep -q "ansible-galaxy collection install" <<<"$missing"; then
  echo "$missing" >&2
  fail "siak-sop without the collection: exit $code"
fi
echo "install test: ansible-playbook dukcapil.siak.backup and siak-sop run backup ran from an installed"
echo "  collection (read-only) and wheel against the lab; outputs in ./siak-sop-out only; ${SECONDS}s"
