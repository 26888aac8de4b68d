#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_lock
short_description: A lock file so two backup runs on one server never overlap
version_added: 0.1.0
description:
  - C(state=present) creates the lock atomically (C(O_CREAT|O_EXCL), mode 0600) with its owner, run id
    and start time. A lock held by another run is refused with its owner named, unless it is older than
    O(stale_after_s), which a run that was killed leaves behind; such a lock is taken over and reported.
  - C(state=absent) removes the lock only if this run (O(run_id)) holds it.
  - In check mode nothing is written; a lock held by another run still fails.
options:
  path:
    description: The lock file.
    type: path
    required: true
  state:
    description: Hold (C(present)) or release (C(absent)) the lock.
    type: str
    choices: [present, absent]
    default: present
  run_id:
    description: Identifies this run; a second call with the same id is a no-op.
    type: str
    required: true
  owner:
    description: Who holds the lock, for the message another run gets (user, controller).
    type: str
    default: ""
  stale_after_s:
    description: A lock older than this many seconds is stale and may be taken over.
    type: int
    default: 43200
author:
  - dukcapil.siak developers (@dukcapil)
extends_documentation_fragment:
  - dukcapil.siak.posix_module
"""

EXAMPLES = r"""
- name: Hold the backup lock
  dukcapil.siak.backup_lock:
    path: /srv/siak-backup/.siak-backup.lock
    run_id: "{{ run_id }}"
    owner: "adb@controller"
"""

RETURN = r"""
holder:
  description: The lock's content after the call (run_id, owner, started, pid).
  type: dict
  returned: always
taken_over:
  description: The stale lock that was replaced, or an empty dict.
  type: dict
  returned: always
"""

import json
import os
import socket
import time

from ansible.module_utils.basic import AnsibleModule


def read_lock(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        # Unreadable or half-written: treat as held since its mtime.
        try:
            return {"run_id": "?", "owner": "unknown (unreadable lock)", "started": os.stat(path).st_mtime}
        except FileNotFoundError:
            return None


def write_new(path, content):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(content, fh)
        fh.flush()
        os.fsync(fh.fileno())


def describe(holder):
    started = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(float(holder.get("started", 0))))
    return "run {0} by {1} since {2}".format(
        holder.get("run_id", "?"), holder.get("owner") or "unknown", started
    )


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "run_id": {"type": "str", "required": True},
            "owner": {"type": "str", "default": ""},
            "stale_after_s": {"type": "int", "default": 43200},
        },
        supports_check_mode=True,
    )
    path, run_id = module.params["path"], module.params["run_id"]
    holder = read_lock(path)
    if module.params["state"] == "absent":
        if holder is None or holder.get("run_id") != run_id:
            module.exit_json(changed=False, holder=holder or {}, taken_over={})
        if not module.check_mode:
            os.unlink(path)
        module.exit_json(changed=True, holder={}, taken_over={})

    mine = {
        "run_id": run_id,
        "owner": module.params["owner"],
        "started": time.time(),
        "host": socket.gethostname(),
    }
    if holder is not None and holder.get("run_id") == run_id:
        module.exit_json(changed=False, holder=holder, taken_over={})
    taken_over = {}
    if holder is not None:
        age = time.time() - float(holder.get("started", 0))
        if age < module.params["stale_after_s"]:
            module.fail_json(
                msg="another backup is running ({0}; lock {1}). Wait for it to finish; if no backup is running "
                "(the server restarted mid-run), remove the lock file".format(describe(holder), path),
                holder=holder,
            )
        taken_over = holder
    if module.check_mode:
        module.exit_json(changed=True, holder=mine, taken_over=taken_over)
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent, 0o700)
    if taken_over:
        # Replace the stale lock by renaming it away first: only one of two runs doing this wins the rename.
        stale = "{0}.stale-{1}".format(path, os.getpid())
        try:
            os.rename(path, stale)
        except FileNotFoundError:
            pass
        else:
            os.unlink(stale)
    try:
        write_new(path, mine)
    except FileExistsError:
        holder = read_lock(path) or {}
        module.fail_json(
            msg="another backup took the lock first ({0}; lock {1})".format(describe(holder), path),
            holder=holder,
        )
    module.exit_json(changed=True, holder=mine, taken_over=taken_over)


if __name__ == "__main__":
    main()
