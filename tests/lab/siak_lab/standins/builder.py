"""Build release artifacts of the stand-in SIAK application and proxy for tests, the bench and the demo.

A release is a tree whose root becomes ``<root>/releases/<version>/`` on the server:

    VERSION                  the version, one line
    bin/siak_standin.py      the stand-in server (a copy of server.py)
    config/README.txt        where the shared configuration is linked in
    lib/part-NNNNN.dat       filler files, so a release can have a real size and file count
    BROKEN                   only in a broken release: its health endpoint answers 503

The archive is deterministic (fixed mtimes, owners and order), so the same inputs give the same sha256,
which is written beside it as ``<artifact>.sha256`` in ``sha256sum`` format.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import tarfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from siak_lab.errors import LabError

KINDS = ("app", "proxy")
FORMATS = ("tar.gz", "zip")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+~-]{0,63}$")
SERVER = Path(__file__).with_name("server.py")
FIXED_MTIME = 1_700_000_000  # deterministic archives: same inputs, same checksum
DEMO_VERSIONS = ("1.0", "2.0")


@dataclass(frozen=True)
class Release:
    kind: str
    version: str
    path: str
    sha256: str
    files: int
    unpacked_bytes: int
    broken: bool


def artifact_name(kind: str, version: str, fmt: str = "tar.gz", broken: bool = False) -> str:
    return f"siak-{kind}-{version}{'-broken' if broken else ''}.{fmt}"


def plan_tree(kind: str, version: str, size_bytes: int, files: int, broken: bool) -> list[tuple[str, int]]:
    """(path, size) of each filler file plus the fixed files; pure, so sizes are unit-tested."""
    if kind not in KINDS:
        raise LabError(f"release kind '{kind}' is unknown", fix=f"Use one of {', '.join(KINDS)}")
    if not VERSION_RE.match(version):
        raise LabError(
            f"release version '{version}' is not a plain version",
            fix="Use letters, digits and . _ + ~ - only, for example 2.0 or 2024.1",
        )
    if files < 0 or size_bytes < 0:
        raise LabError("release size and file count must be 0 or more")
    fillers = []
    if files:
        base, extra = divmod(size_bytes, files)
        fillers = [(f"lib/part-{i:05d}.dat", base + (1 if i < extra else 0)) for i in range(files)]
    return fillers


def _entries(kind: str, version: str, size_bytes: int, files: int, broken: bool):
    """(name, bytes, mode) for every file, in a fixed order."""
    yield "VERSION", f"{version}\n".encode(), 0o644
    yield "bin/siak_standin.py", SERVER.read_bytes(), 0o755
    yield (
        "config/README.txt",
        b"Shared configuration (database connection settings) is linked here from <root>/shared.\n",
        0o644,
    )
    yield "RELEASE.json", json.dumps({"kind": kind, "version": version}).encode() + b"\n", 0o644
    if broken:
        yield "BROKEN", b"this release fails its health check on purpose\n", 0o644
    rng = random.Random(f"{kind}-{version}")
    for name, size in plan_tree(kind, version, size_bytes, files, broken):
        # Half incompressible, half text: roughly what jars plus templates look like to gzip.
        noise = rng.randbytes(size // 2)
        yield name, noise + (b"siak " * (size // 10 + 1))[: size - len(noise)], 0o644


def build_release(
    kind: str,
    version: str,
    out_dir: Path,
    *,
    size_bytes: int = 64 * 1024,
    files: int = 8,
    broken: bool = False,
    fmt: str = "tar.gz",
) -> Release:
    """Write the artifact and its ``.sha256`` file into ``out_dir``."""
    if fmt not in FORMATS:
        raise LabError(f"artifact format '{fmt}' is unknown", fix=f"Use one of {', '.join(FORMATS)}")
    plan_tree(kind, version, size_bytes, files, broken)  # validates before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir.resolve() / artifact_name(kind, version, fmt, broken)
    tmp = path.with_name(path.name + ".tmp")
    count = unpacked = 0
    if fmt == "tar.gz":
        with tarfile.open(tmp, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
            dirs: set[str] = set()
            for name, data, mode in _entries(kind, version, size_bytes, files, broken):
                parent = name.rpartition("/")[0]
                if parent and parent not in dirs:
                    dirs.add(parent)
                    info = tarfile.TarInfo(parent)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, FIXED_MTIME
                    tar.addfile(info)
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), mode, FIXED_MTIME
                tar.addfile(info, io.BytesIO(data))
                count, unpacked = count + 1, unpacked + len(data)
        # gzip writes the time into its header: fix it, so the checksum depends on the content only.
        raw = bytearray(tmp.read_bytes())
        raw[4:8] = FIXED_MTIME.to_bytes(4, "little")
        tmp.write_bytes(raw)
    else:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, data, mode in _entries(kind, version, size_bytes, files, broken):
                info = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 22, 13, 20))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
                count, unpacked = count + 1, unpacked + len(data)
    tmp.replace(path)
    digest = sha256_file(path)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    return Release(kind, version, str(path), digest, count, unpacked, broken)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# The SIAK client stand-in on a Linux workstation: runs until it is closed, like an operator's session,
# so a PC "in use" is one where this process runs.
CLIENT_SCRIPT = """#!/bin/sh
# Stand-in for the SIAK client {version}: runs until it is closed, like an operator's session.
while :; do sleep 1; done
"""


def build_client_package(
    out_dir: Path, version: str, payload_bytes: int = 4096, payload: bytes | None = None
) -> tuple[Path, str]:
    """A SIAK client stand-in package for the client rollout: bin/siak-client, VERSION and a payload.

    The payload is random (incompressible) unless given, so a transfer has a real size to move.
    Returns the package's path and its sha256.
    """
    if not VERSION_RE.match(version):
        raise LabError(f"version {version!r} cannot name a release", fix="Use letters, digits and . _ + ~ -")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"siak-client-{version}.tar.gz"

    def add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), mode, FIXED_MTIME
        tar.addfile(info, io.BytesIO(data))

    data = payload if payload is not None else random.randbytes(payload_bytes)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        add(tar, "bin/siak-client", CLIENT_SCRIPT.format(version=version).encode(), 0o755)
        add(tar, "VERSION", f"{version}\n".encode())
        add(tar, "data/payload.bin", data)
    digest = sha256_file(path)
    (out_dir / f"{path.name}.sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return path, digest


def build_demo_set(out_dir: Path, versions: tuple[str, ...] = DEMO_VERSIONS) -> dict[str, dict[str, dict]]:
    """v1 and v2 of both the application and the proxy, and of the SIAK client package:
    {kind: {version: release as dict}} (the client: {"client": {version: {path, sha256}}})."""
    made: dict[str, dict[str, dict]] = {
        kind: {v: asdict(build_release(kind, v, out_dir)) for v in versions} for kind in KINDS
    }
    made["client"] = {}
    for version in versions:
        path, digest = build_client_package(out_dir, version, payload=b"demo client " + version.encode())
        made["client"][version] = {"path": str(path), "sha256": digest}
    return made
