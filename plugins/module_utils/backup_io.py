# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming checksums and the SHA256SUMS manifest, shared by the backup modules (runs on the managed host)."""

from __future__ import annotations

import contextlib
import hashlib
import os

CHUNK = 4 << 20
MANIFEST = "SHA256SUMS"


def drop_cache(fd):
    """Ask the kernel to forget a file's cached pages, so the next read comes from the disk itself."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def hash_file(path, from_disk=True, chunk=CHUNK):
    """(sha256 hex, size) of a file, read once in large chunks."""
    digest = hashlib.sha256()
    size = 0
    buf = bytearray(chunk)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        if from_disk:
            with contextlib.suppress(OSError):
                os.fsync(fh.fileno())  # dirty pages cannot be dropped; write them out first
            drop_cache(fh.fileno())
        while True:
            n = fh.readinto(buf)
            if not n:
                break
            digest.update(view[:n])
            size += n
    return digest.hexdigest(), size


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def format_manifest(entries):
    """sha256sum-compatible text: '<hex>  <name>' per line, sorted by name."""
    return "".join(
        "{0}  {1}\n".format(e["sha256"], e["name"]) for e in sorted(entries, key=lambda e: e["name"])
    )


def parse_manifest(text):
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise ValueError("line {0} is not '<sha256>  <file>'".format(number))
        name = parts[1].lstrip("*").strip()
        if "/" in name or name in (".", ".."):
            raise ValueError("line {0} names a path outside the folder".format(number))
        entries.append({"sha256": parts[0].lower(), "name": name})
    return entries


def write_atomic(path, text, mode=0o600):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def _unescape(field):
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mounts():
    """Mount points of this host's mount namespace, in mount order."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            sep = parts.index("-")
            found.append(
                {"point": _unescape(parts[4]), "fstype": parts[sep + 1], "source": _unescape(parts[sep + 2])}
            )
    return found


def path_info(path):
    """Where path lives: its mount, whether it is itself a mount point, free and total bytes."""
    exists = os.path.exists(path)
    probe = os.path.realpath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    best = {"point": "/", "fstype": "", "source": ""}
    for mount in mounts():  # the last match of the longest prefix is the mount that is visible
        point = mount["point"]
        if (probe == point or probe.startswith(point.rstrip("/") + "/")) and len(point) >= len(best["point"]):
            best = mount
    stat = os.statvfs(probe)
    return {
        "exists": exists,
        "is_mount_point": exists and os.path.realpath(path) == best["point"],
        "mount_point": best["point"],
        "fstype": best["fstype"],
        "source": best["source"],
        "free_bytes": stat.f_bavail * stat.f_frsize,
        "total_bytes": stat.f_blocks * stat.f_frsize,
    }
