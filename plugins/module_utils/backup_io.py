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
