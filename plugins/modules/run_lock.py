#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: run_lock
short_description: The lock that keeps two upgrades or two backups of one folder apart
version_added: 0.1.0
description:
  - One lock for every SOP run that changes a folder on a host (the SIAK application and proxy, a client
    release, the database backup). The lock is a JSON file (mode 0600) naming its holder - the run id, the
    real login user, the controller and its boot id, the C(ansible-playbook) process there - read, compared
    and written under an exclusive C(flock) on C(<path>.guard), so two runs arriving together never both win.
  - The action on the controller adds who this run is, and decides whether another run's lock may be taken
    over - its process is gone on the same boot of the same controller, or the lock is older than
    O(stale_after_min), or O(break_lock) - and then takes it over by compare and swap on that holder's
    token. A lock held by a live run fails the task with a message naming its host, user and run id.
  - O(state=absent) releases the lock only if this run holds it; another run's lock is never removed.
  - O(state=attached) records a process of this run on the locked host (O(pid)), so a run that takes over
    after a crash is told which of them still run (RV(taken_over_processes)) and can stop them.
  - The lock's folder is created when it does not exist yet (a first install), except in check mode.
options:
  path:
    description: The lock file.
    type: path
    required: true
  state:
    description: Take (V(present)), release (V(absent)) or record a process under (V(attached)) the lock.
    type: str
    choices: [present, absent, attached]
    default: present
  token:
    description:
      - This run's token. The action makes one from the run id and the controller's process when it is not
        given, so every task of one run names the same holder.
    type: str
  run_id:
    description: The run's id, as its agenda and reports name it. Set by the action from the agenda when omitted.
    type: str
  about:
    description: What to record about the run beside who it is (for example C(kind) and C(version)).
    type: dict
    default: {}
  holder:
    description: Set by the action - who this run is (user, controller, boot id, process, time). Do not set.
    type: dict
    default: {}
  steal_token:
    description: Set by the action - take over the lock if, and only if, its holder's token is this one.
    type: str
  pid:
    description: With O(state=attached), the process on the locked host to record.
    type: int
  stale_after_min:
    description:
      - Handled by the action. A lock older than this many minutes counts as left by a run that is gone, even
        when the controller cannot look at the holder's process (another controller, or one that rebooted).
    type: int
    default: 120
  break_lock:
    description: Handled by the action. Take over the lock whoever holds it (the message names who that was).
    type: bool
    default: false
author:
  - dukcapil.siak developers (@dukcapil)
extends_documentation_fragment:
  - dukcapil.siak.posix_module
"""

EXAMPLES = r"""
- name: Langkah 6 | Take the upgrade lock
  dukcapil.siak.run_lock:
    path: /opt/siak/app/.siak.lock
    about:
      kind: app
      version: "5.0"

- name: Langkah 6 | Give the upgrade lock back
  dukcapil.siak.run_lock:
    path: /opt/siak/app/.siak.lock
    state: absent
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock after the call.
  type: bool
  returned: always
holder:
  description: The lock's holder before the call (another run's, when it was taken over), or null.
  type: dict
  returned: always
taken_over:
  description: Whether the lock of a run that is gone was taken over.
  type: bool
  returned: always
taken_over_processes:
  description: Processes the taken-over run recorded on this host (O(state=attached)) that still run.
  type: list
  elements: int
  returned: always
token:
  description: This run's token.
  type: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.run_lock import (
    attach,
    live_target_processes,
    read_lock,
    release,
    take,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent", "attached"], "default": "present"},
            "token": {"type": "str", "no_log": False},
            "run_id": {"type": "str"},
            "about": {"type": "dict", "default": {}},
            "holder": {"type": "dict", "default": {}},
            "steal_token": {"type": "str", "no_log": False},
            "pid": {"type": "int"},
            "stale_after_min": {"type": "int", "default": 120},
            "break_lock": {"type": "bool", "default": False},
        },
        required_if=[("state", "attached", ["pid"])],
        supports_check_mode=True,
    )
    p = module.params
    if not p["token"]:
        module.fail_json(
            msg="run_lock needs this run's token; call it through its action (dukcapil.siak.run_lock)"
        )
    path = p["path"]
    result = {
        "acquired": False,
        "holder": None,
        "taken_over": False,
        "taken_over_processes": [],
        "token": p["token"],
    }
    attached = True
    try:
        if p["state"] == "present":
            holder = dict(p["holder"], token=p["token"], run_id=p["run_id"] or "", about=p["about"])
            result.update(take(path, holder, p["steal_token"], module.check_mode))
            if result["taken_over"]:
                result["taken_over_processes"] = live_target_processes(result["holder"])
        elif p["state"] == "attached":
            attached = module.check_mode or attach(path, p["token"], p["pid"])
            result.update(acquired=attached, changed=attached and not module.check_mode)
        else:
            result["holder"] = read_lock(path)
            result["changed"] = release(path, p["token"], module.check_mode)
    except OSError as err:
        # The lock's folder is missing or not writable: the action says so, naming the host and the fix.
        module.fail_json(msg=str(err), lock_error=err.strerror or str(err), **result)
    if not attached:
        module.fail_json(msg="%s is not held by this run; the process was not recorded" % path, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
