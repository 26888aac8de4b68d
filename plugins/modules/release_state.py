#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_state
short_description: Read a release root (current, previous, releases, lock, free space) without changing it
version_added: 0.1.0
description:
  - Reads where C(<root>/current) and C(<root>/previous) point with C(readlink), never by guessing from
    modification times, and which releases under C(<root>/releases) are complete (they carry a
    C(.siak-release.json) marker written after a full unpack).
  - Also reports unfinished unpacks, the upgrade lock's holder, the free space where the root lives (or
    would live) and which old releases a cleanup keeping O(keep) releases would remove.
  - Linux and other POSIX targets. The Windows path of the release role uses ansible.windows modules.
options:
  root:
    description: The application root, holding C(releases/), C(shared/) and the C(current) link.
    type: path
    required: true
  keep:
    description: How many complete releases a cleanup keeps (the current and previous ones always stay).
    type: int
    default: 3
  lock_name:
    description: File name of the upgrade lock inside O(root).
    type: str
    default: .siak-upgrade.lock
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 5 | Read where the SIAK application's current release points
  dukcapil.siak.release_state:
    root: /opt/siak/app
  register: app_state
"""

RETURN = r"""
root_exists:
  description: Whether O(root) is a directory.
  type: bool
  returned: always
current:
  description: The release C(current) points to (name, path, complete, version, sha256, installed_at), or null.
  type: dict
  returned: always
current_target:
  description: The raw target of the C(current) link, as C(readlink) gives it.
  type: str
  returned: always
current_dangling:
  description: Whether C(current) points at something that is not a complete release.
  type: bool
  returned: always
previous:
  description: The release C(previous) points to, or null.
  type: dict
  returned: always
releases:
  description: Every release directory with its marker data; C(complete) is false for one without a marker.
  type: list
  elements: dict
  returned: always
partials:
  description: Names of unfinished unpacks under C(releases/) (safe to delete).
  type: list
  elements: str
  returned: always
lock:
  description: The current holder of the upgrade lock, or null when it is free.
  type: dict
  returned: always
free_bytes:
  description: Free bytes on the file system of O(root), or of its nearest existing parent.
  type: int
  returned: always
free_path:
  description: The existing path that was measured.
  type: str
  returned: always
prune:
  description: Complete releases a cleanup would remove to keep O(keep) releases, oldest install first.
  type: list
  elements: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import read_state


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "keep": {"type": "int", "default": 3},
            "lock_name": {"type": "str", "default": ".siak-upgrade.lock"},
        },
        supports_check_mode=True,
    )
    try:
        state = read_state(module.params["root"], module.params["keep"], module.params["lock_name"])
    except OSError as err:
        module.fail_json(msg="cannot read release root %s: %s" % (module.params["root"], err))
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
