#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_lock
short_description: Take or release the lock that keeps two upgrades of one release root apart
version_added: 0.1.0
description:
  - The lock is a small JSON file naming its holder (a random token per run, the controller, the
    controller's process and the version being installed). It is read, compared and written under an
    C(flock) on a guard file, so two runs that arrive at once cannot both win.
  - O(state=present) takes a free lock, keeps one this run already holds, and reports the holder of a
    lock held by another run without failing, so the calling task can explain it. With O(steal_token)
    it takes over a lock only if that exact holder still has it (the caller decided it is stale).
  - O(state=absent) releases the lock only if this run holds it; another run's lock is never removed.
  - The lock's folder (the application root) is created when it does not exist yet (a first install).
options:
  path:
    description: The lock file.
    type: path
    required: true
  state:
    description: Take (V(present)) or release (V(absent)) the lock.
    type: str
    choices: [present, absent]
    default: present
  token:
    description:
      - This run's token. The action generates one when it is not given and returns it, to release the lock.
    type: str
  owner:
    description:
      - What to record about this run beside the token (kind, version). The action adds the controller,
        the C(ansible-playbook) process there and its start time, the user and the time.
    type: dict
    default: {}
  steal_token:
    description: Take over the lock if, and only if, its holder's token is this one.
    type: str
  stale_after_min:
    description:
      - Handled on the controller by the action. When the lock is held by another run, it is taken over
        (with O(steal_token) set to the holder's token, compare and swap) if that run is gone, that is its
        C(ansible-playbook) process no longer runs on this controller, or it is older than this many minutes.
    type: int
    default: 120
  break_lock:
    description: Handled on the controller by the action. Take over the lock whoever holds it.
    type: bool
    default: false
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 6 | Take the upgrade lock
  dukcapil.siak.release_lock:
    path: /opt/siak/app/.siak-upgrade.lock
    token: "{{ run_token }}"
    owner: {controller: "{{ lookup('ansible.builtin.pipe', 'hostname') }}", version: "2.0"}
  register: lock
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock after the call (O(state=present)).
  type: bool
  returned: always
holder:
  description: The lock's holder before the call, or null when it was free.
  type: dict
  returned: always
stolen:
  description: Whether a stale holder's lock was taken over.
  type: bool
  returned: always
token:
  description: This run's token (from the action), needed to release the lock.
  type: str
  returned: always
owner:
  description: What was recorded about this run (from the action).
  type: dict
  returned: always
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import read_lock, take_lock, unlock


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "token": {"type": "str", "no_log": False},
            "owner": {"type": "dict", "default": {}},
            "steal_token": {"type": "str", "no_log": False},
            "stale_after_min": {"type": "int", "default": 120},
            "break_lock": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not p["token"]:
        module.fail_json(msg="release_lock needs this run's token")
    path = p["path"]
    if p["state"] == "present":
        module.exit_json(**take_lock(path, p["token"], p["owner"], p["steal_token"], module.check_mode))
    result = {"changed": False, "acquired": False, "holder": None, "stolen": False}
    if os.path.isdir(os.path.dirname(path)):
        if module.check_mode:
            holder = read_lock(path) if os.path.exists(path) else None
            result["changed"] = bool(holder) and holder.get("token") == p["token"]
        else:
            result["changed"] = unlock(path, p["token"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
