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
  - dukcapil.siak developers
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
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

import os

from ansible.module_utils.basic import AnsibleModule


def _unescape(field):
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mounts():
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
    exists = os.path.exists(path)
    probe = os.path.realpath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    best = {"point": "/", "fstype": "", "source": ""}
    for mount in mounts():  # later lines are later mounts: the last match of the longest prefix wins
        point = mount["point"]
        if (probe == point or probe.startswith(point.rstrip("/") + "/")) and len(point) >= len(best["point"]):
            best = mount
    stat = os.statvfs(probe)
    real = os.path.realpath(path)
    return {
        "exists": exists,
        "is_mount_point": exists and real == best["point"],
        "mount_point": best["point"],
        "fstype": best["fstype"],
        "source": best["source"],
        "free_bytes": stat.f_bavail * stat.f_frsize,
        "total_bytes": stat.f_blocks * stat.f_frsize,
    }


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}}, supports_check_mode=True
    )
    try:
        info = path_info(module.params["path"])
    except OSError as err:
        module.fail_json(msg="cannot read {0}: {1}".format(module.params["path"], err.strerror))
    module.exit_json(changed=False, **info)


if __name__ == "__main__":
    main()
