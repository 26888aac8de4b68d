#!/usr/bin/env bash
# `make bundle`: one archive an office can carry in on a flashdisk and install with no network
# (bundle/install.sh, README "Install"). It holds:
#   wheels/       a wheel for every runtime dependency (requirements-runtime.txt) and for pip itself,
#                 for the platform it is built on (Debian 12, CPython 3.11, x86-64; checked below);
#   collections/  this collection and the collections it depends on, as tarballs, at the versions
#                 requirements.yml pins (the ones the tests ran);
#   install.sh, requirements-runtime.txt, README.txt.
# Building needs the package index (or pip's cache); installing needs nothing but the archive.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
py=.venv/bin/python
version=$(awk '/^version:/ {print $2}' galaxy.yml)
platform=$("$py" - <<'PY'
import platform, sys
print(f"py{sys.version_info.major}{sys.version_info.minor}-{platform.machine()}")
PY
)
if [ "$platform" != "py311-x86_64" ] || ! grep -q '^VERSION_ID="12"' /etc/os-release; then
  echo "make bundle: build it on Debian 12 with Python 3.11 on x86-64 (the platform offices install on); this is $platform" >&2
  exit 2
fi
name="dukcapil-siak-bundle-$version-debian12-$platform"
stage="build/bundle/$name"
rm -rf "build/bundle" && mkdir -p "$stage/wheels" "$stage/collections"

# The collection, built from this checkout.
.venv/bin/ansible-galaxy collection build --force --output-path "$stage/collections" . >/dev/null

# The collections it depends on, at the pinned versions: the copies the tests ran with (the `ansible`
# package of the development venv), packed as collection artifacts. That package leaves out some of a
# collection's development files (CI settings, tests), so FILES.json is rewritten to list the files
# present, with their sha256, and MANIFEST.json to carry the new FILES.json's sha256: ansible-galaxy checks
# every file against them on install.
"$py" - "$stage/collections" <<'PY'
import hashlib, io, json, pathlib, sys, tarfile
import yaml
site = pathlib.Path(yaml.__file__).resolve().parents[1] / "ansible_collections"
out = pathlib.Path(sys.argv[1])

def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))

for spec in yaml.safe_load(open("requirements.yml"))["collections"]:
    namespace, name = spec["name"].split(".")
    source = site / namespace / name
    manifest = json.loads((source / "MANIFEST.json").read_text())
    version = manifest["collection_info"]["version"]
    if spec["version"] != f"=={version}":
        sys.exit(f"make bundle: requirements.yml pins {spec['name']} {spec['version']}, the venv has {version}")
    files = json.loads((source / "FILES.json").read_text())
    present = []
    for entry in files["files"]:
        path = source / entry["name"]
        if entry["ftype"] == "dir" and path.is_dir():
            present.append(entry)
        elif entry["ftype"] == "file" and path.is_file():
            present.append({**entry, "chksum_sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    files_json = json.dumps({**files, "files": present}, indent=4).encode()
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    with tarfile.open(out / f"{namespace}-{name}-{version}.tar.gz", "w:gz") as tar:
        add_bytes(tar, "MANIFEST.json", json.dumps(manifest, indent=4).encode())
        add_bytes(tar, "FILES.json", files_json)
        for entry in present:
            if entry["name"] != ".":
                tar.add(source / entry["name"], arcname=entry["name"], recursive=False)
PY

# Wheels: the runtime pins with every dependency, siak-sop itself, and pip (to bootstrap a venv made
# without ensurepip, which Debian packages apart as python3-venv).
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$py" -m pip wheel -q --wheel-dir "$stage/wheels" -r requirements-runtime.txt pip 2>&1 | grep -v '^WARNING: Location' || true
# setuptools stages the package in build/lib and never removes what left the source since: start clean.
rm -rf build/lib build/bdist.*
"$py" -m pip wheel -q --no-deps --wheel-dir "$stage/wheels" . 2>&1 | grep -v '^WARNING: Location' || true
for needed in ansible_core ansible_runner pywinrm pyghmi weasyprint siak_sop pip; do
  ls "$stage/wheels/${needed}"-*.whl >/dev/null 2>&1 || { echo "make bundle: no wheel for $needed" >&2; exit 1; }
done

cp bundle/install.sh "$stage/install.sh"
chmod 0755 "$stage/install.sh"
cp requirements-runtime.txt "$stage/"
cp bundle/README.txt "$stage/README.txt"
tar -C build/bundle -czf "build/dist/$name.tar.gz" "$name"
echo "build/dist/$name.tar.gz"
