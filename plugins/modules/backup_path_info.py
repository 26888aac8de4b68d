#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_path_info
short_description: Where a backup path lives, whether it is a mount point, and how much room it has
version_added: 0.1.0
description:
  - Reads C(/proc/self/mountinfo) and C(statvfs) on the managed host. Used before a backup writes
    anywhere, so a flashdisk that is not plugged in (an empty directory on the root disk) is refused
    instead of silently filling the root disk.
  - Changes nothing; supports check mode.
options:
  path:
    description: The path to look at. It need not exist; its nearest existing parent is measured.
    type: path
    required: true
author:
  - dukcapil.siak developers (@dukcapil)
extends_documentation_fragment:
  - dukcapil.siak.posix_module
"""

EXAMPLES = r"""
- name: Refuse a flashdisk that is not mounted
  dukcapil.siak.backup_path_info:
    path: /media/flashdisk
  register: flash
  failed_when: not flash.is_mount_point
"""

RETURN = r"""
exists:
  description: Whether the path exists.
  type: bool
  returned: always
is_mount_point:
  description: Whether the path itself is a mount point.
  type: bool
  returned: always
mount_point:
  description: The mount point the path lives on.
  type: str
  returned: always
fstype:
  description: The file system type of that mount.
  type: str
  returned: always
source:
  description: The mount's source (device or pseudo file system).
  type: str
  returned: always
free_bytes:
  description: Bytes an unprivileged writer may still use there.
  type: int
  returned: always
total_bytes:
  description: Size of the file system in bytes.
  type: int
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dukcapil.siak.plugins.module_utils.backup_io import CANNOT_MEASURE, path_info
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason, reasons


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}}, supports_check_mode=True
    )
    path = module.params["path"]
    try:
        info = path_info(path)
    except OSError as err:
        why = Reason(CANNOT_MEASURE, path=path, error=err.strerror or str(err))
        module.fail_json(**reasons({"msg": why, "changed": False}))
    module.exit_json(changed=False, **info)


if __name__ == "__main__":
    main()
