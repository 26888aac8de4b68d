#!/bin/sh
# Installs dukcapil.siak from this bundle with no network: a Python venv with every runtime package
# from wheels/ (pip --no-index), and the collections from collections/ into that venv, where its
# ansible-playbook finds them with no configuration.
#   ./install.sh [FOLDER]     FOLDER: where the venv goes (default: $HOME/siak-sop)
# Then: FOLDER/bin/ansible-playbook dukcapil.siak.upgrade -i inventory.yml, or FOLDER/bin/siak-sop.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-"$HOME/siak-sop"}
python=${PYTHON:-python3.11}

fail() { echo "install.sh: $*" >&2; exit 1; }

command -v "$python" >/dev/null 2>&1 || fail "Python 3.11 not found ($python). On Debian 12: apt install python3.11 (or set PYTHON=/path/to/python3.11)."
"$python" -c 'import sys, platform; sys.exit(sys.version_info[:2] != (3, 11) or platform.machine() != "x86_64")' \
  || fail "this bundle is for Python 3.11 on x86-64 (Debian 12); $python is $("$python" -c 'import sys, platform; print(sys.version.split()[0], platform.machine())')."

# The machine's pip settings (an index, extra links) play no part: only the bundle's wheels are used.
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT 2>/dev/null || true

echo "Membuat venv di $target"
# --without-pip: no ensurepip needed (Debian packages it apart, as python3-venv); pip comes from the bundle.
"$python" -m venv --without-pip "$target" || fail "could not make a venv at $target."
pip_wheel=$(ls "$here"/wheels/pip-*.whl)
"$target/bin/python" "$pip_wheel/pip" install -q --no-index --find-links "$here/wheels" pip \
  || fail "could not install pip into $target from the bundle."
echo "Memasang paket Python dari wheels/ (tanpa jaringan)"
"$target/bin/python" -m pip install -q --no-index --find-links "$here/wheels" \
  -r "$here/requirements-runtime.txt" siak-sop \
  || fail "pip could not install from wheels/; the message above names the package."

echo "Memasang koleksi Ansible dari collections/ (tanpa jaringan)"
site=$("$target/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
ANSIBLE_COLLECTIONS_PATH="$site" "$target/bin/ansible-galaxy" collection install --offline --force \
  -p "$site" "$here"/collections/*.tar.gz >/dev/null \
  || fail "ansible-galaxy could not install the collections from collections/."

# What the Laporan PDF and password logins need from Debian (the bundle carries Python packages only).
missing=""
ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do
  "$ldconfig" -p 2>/dev/null | grep -q "$lib" || missing="$missing $lib"
done
[ -z "$missing" ] || echo "Perhatian: Laporan PDF butuh paket Debian libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core (tidak ditemukan:$missing)."
command -v sshpass >/dev/null 2>&1 || echo "Perhatian: login SSH dengan kata sandi butuh paket Debian sshpass."

echo "Selesai. Coba: $target/bin/siak-sop budgets upgrade"
echo "Jalankan SOP: $target/bin/ansible-playbook dukcapil.siak.upgrade -i inventory.yml"
