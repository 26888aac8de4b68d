#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_artifact_local
short_description: Checksum and unpacked size of a release artifact on the controller, without a module process
version_added: 0.2.0
description:
  - An action that runs inside the controller process (the task's host only names whose artifact it is).
    It reads the artifact once for its sha256 and takes the unpacked size from the archive's own records,
    a zip's central directory (exact, and its member names are checked), or a gzip's trailer (the size of the
    tar stream, at least the size of its files).
  - A gzip trailer counts modulo 4 GiB; a release that unpacks to more can be under-estimated here, so the
    unpack (M(dukcapil.siak.release_unpack)) also watches the free space while it writes.
  - Tar members are checked for safety when they are unpacked, before each is written.
options:
  path:
    description: The artifact on the controller.
    type: path
    required: true
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 5 | Measure the new SIAK release on the controller
  dukcapil.siak.release_artifact_local:
    path: /srv/siak/siak-app-2.0.tar.gz
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
  description: C(tar) or C(zip).
  type: str
  returned: success
files:
  description: Number of files for a zip (or an artifact that had to be listed), else null.
  type: int
  returned: success
unpacked_bytes:
  description: Bytes the release needs once unpacked (an upper bound for tar.gz below 4 GiB).
  type: int
  returned: success
"""
