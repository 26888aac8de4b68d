#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_archive_info
short_description: Checksum, unpacked size and safety of a release artifact (tar.gz, tar or zip)
version_added: 0.1.0
description:
  - Computes the sha256 of an artifact already on the target and, without unpacking it, how many bytes
    it unpacks to (from a zip's central directory or a gzip's trailer), so free space can be checked
    before anything is written. The release library's own measure, the one step 5 uses for an artifact
    on the controller.
  - Fails when the artifact is missing or not a readable tar or zip archive, or when a zip member would
    land outside the release directory. A tar's members are checked as they are unpacked
    (M(dukcapil.siak.release_unpack)), which refuses an unsafe one before the switch.
  - The reason of a failure comes back with its catalogue message, to be said in the run's language.
options:
  path:
    description: The artifact.
    type: path
    required: true
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 5 | Measure the new SIAK release already copied to the server
  dukcapil.siak.release_archive_info:
    path: /srv/siak/incoming/siak-app-2.0.tar.gz
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
  description: Number of regular files in the archive; null when only the total size is known cheaply (a tar.gz).
  type: int
  returned: success
unpacked_bytes:
  description: At least the total size of the files once unpacked (a tar.gz's stream size).
  type: int
  returned: success
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import reasons
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import UnpackError, measure


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}}, supports_check_mode=True
    )
    try:
        info = measure(module.params["path"])
    except UnpackError as err:
        module.fail_json(**reasons({"msg": err.reason, "changed": False}))
    module.exit_json(changed=False, **info)


if __name__ == "__main__":
    main()
