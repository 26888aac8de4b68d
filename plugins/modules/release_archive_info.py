#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_archive_info
short_description: Checksum, unpacked size and safety of a release artifact (tar.gz, tar or zip)
version_added: 0.1.0
description:
  - Computes the sha256 of an artifact and, without unpacking it, how many bytes and files it unpacks
    to, so free space can be checked before anything is written.
  - Fails when the artifact is not a readable tar or zip archive, or when a member would land outside
    the release directory (an absolute path, C(..), or a link pointing out), so such an archive is
    refused before any change.
  - Runs on the controller (delegated) for an artifact there, or on the target for one already there.
options:
  path:
    description: The artifact.
    type: path
    required: true
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 5 | Measure the new SIAK release on the controller
  dukcapil.siak.release_archive_info:
    path: /srv/siak/siak-app-2.0.tar.gz
  delegate_to: localhost
  register: artifact
"""

RETURN = r"""
sha256:
  description: The artifact's sha256, lower-case hex.
  type: str
  returned: success
size_bytes:
  description: The artifact's own size.
  type: int
  returned: success
format:
  description: C(tar) (any compression tarfile reads) or C(zip).
  type: str
  returned: success
files:
  description: Number of regular files in the archive.
  type: int
  returned: success
unpacked_bytes:
  description: Total size of the regular files once unpacked.
  type: int
  returned: success
"""

import os
import tarfile
import zipfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import (
    file_sha256,
    is_safe_link,
    is_safe_member,
)


def inspect_tar(path):
    files = size = 0
    unsafe = []
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            if not is_safe_member(member.name):
                unsafe.append(member.name)
            elif (member.issym() or member.islnk()) and not is_safe_link(member.name, member.linkname):
                unsafe.append("%s -> %s" % (member.name, member.linkname))
            elif member.isdev():
                unsafe.append(member.name)
            if member.isfile():
                files += 1
                size += member.size
    return "tar", files, size, unsafe


def inspect_zip(path):
    files = size = 0
    unsafe = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not is_safe_member(info.filename):
                unsafe.append(info.filename)
            if not info.is_dir():
                files += 1
                size += info.file_size
    return "zip", files, size, unsafe


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}}, supports_check_mode=True
    )
    path = module.params["path"]
    if not os.path.isfile(path):
        module.fail_json(msg="artifact %s does not exist or is not a file" % path)
    try:
        if zipfile.is_zipfile(path):
            fmt, files, size, unsafe = inspect_zip(path)
        else:
            fmt, files, size, unsafe = inspect_tar(path)
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile) as err:
        module.fail_json(msg="artifact %s is not a readable tar.gz, tar or zip archive: %s" % (path, err))
    if unsafe:
        module.fail_json(
            msg="artifact %s has members that would land outside the release directory: %s"
            % (path, ", ".join(unsafe[:5]))
        )
    module.exit_json(
        changed=False,
        sha256=file_sha256(path),
        size_bytes=os.path.getsize(path),
        format=fmt,
        files=files,
        unpacked_bytes=size,
    )


if __name__ == "__main__":
    main()
