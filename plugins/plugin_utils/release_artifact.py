# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A release artifact on the controller, read inside the controller process (step 5's action, release_open).

A delegated module would start a process on the controller and decompress the whole artifact to list it;
for a 100 MiB artifact that cost more than a second before anything happened. Here the sha256 is read once,
in-process, and the unpacked size comes from the archive's own bookkeeping: a zip's central directory, a
gzip's trailer (the size of the tar stream, which is at least the size of its files). Members are checked
for safety when they are unpacked (release_unpack).
"""

from __future__ import annotations

import os
import tarfile
import zipfile

from ansible.errors import AnsibleActionFail

from ansible_collections.dukcapil.siak.plugins.module_utils.release import is_safe_member


def gzip_isize(path, size):
    """The gzip trailer's uncompressed size (modulo 4 GiB), or None for a file too short to have one."""
    if size < 18:
        return None
    with open(path, "rb") as fh:
        fh.seek(-4, os.SEEK_END)
        return int.from_bytes(fh.read(4), "little")


def unpacked_estimate(path, size):
    """(format, files or None, bytes): cheap, never smaller than what the release needs, except past 4 GiB."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
        unsafe = [i.filename for i in infos if not is_safe_member(i.filename)]
        if unsafe:
            raise AnsibleActionFail(
                "artifact %s has members that would land outside the release directory: %s"
                % (path, ", ".join(unsafe[:5]))
            )
        files = [i for i in infos if not i.is_dir()]
        return "zip", len(files), sum(i.file_size for i in files)
    with open(path, "rb") as fh:
        magic = fh.read(262)
    if magic[:2] == b"\x1f\x8b":
        isize = gzip_isize(path, size)
        # The trailer counts modulo 4 GiB: when it is smaller than the artifact itself it has wrapped
        # (or the gzip has several members), so count the members the slow way.
        if isize is not None and isize >= size:
            return "tar", None, isize
    elif magic[257:262] == b"ustar" or not magic:
        return "tar", None, size
    files = total = 0
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            if member.isfile():
                files, total = files + 1, total + member.size
    return "tar", files, total
