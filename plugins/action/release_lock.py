# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Take the upgrade lock, deciding on the controller whether a holder is stale, in one task.

Who this run is (controller, the outermost ansible-playbook process and its start time) and whether a
holder's run is gone are questions about the controller: they were pipe lookups and a dozen tasks, each a
controller round of its own. Here they are answered in-process, and the module runs on the target once
(twice only when a stale lock is taken over, by compare and swap on the holder's token).
"""

from __future__ import annotations

import os
import secrets
import socket
import string
import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

ALPHABET = string.ascii_lowercase + string.digits
ACTION_ONLY = ("stale_after_min", "break_lock")


def _start_of(pid):
    """Start time (clock ticks since boot) of a process, or None when it does not run."""
    try:
        with open("/proc/%d/stat" % int(pid), encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError, ValueError):
        return None


def playbook_process():
    """(pid, start) of the outermost ansible-playbook above this process, or (0, "0") without /proc."""
    found = (0, "0")
    pid = os.getpid()
    while pid > 1:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ")
            with open("/proc/%d/stat" % pid, encoding="utf-8") as fh:
                parent = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
        if b"ansible-playbook" in cmdline:
            found = (pid, _start_of(pid) or "0")
        pid = parent
    return found


def holder_is_gone(holder, controller, stale_after_min, now):
    """A lock's holder is stale when its process is gone from this controller or it is too old."""
    holder = holder or {}
    pid = int(holder.get("pid") or 0)
    same_controller = holder.get("controller") == controller and pid > 0
    if same_controller and _start_of(pid) != str(holder.get("pid_start") or "0"):
        return True
    since = int(holder.get("since_epoch") or 0)
    return since > 0 and now - since > int(stale_after_min) * 60


def this_run(owner):
    """The lock's record of this run: what the caller gave plus the controller, process, user and time."""
    pid, start = playbook_process()
    return dict(
        owner or {},
        controller=socket.gethostname(),
        pid=pid,
        pid_start=start,
        user=os.environ.get("USER", "?"),
        since_epoch=int(time.time()),
    )


def steal_token(taken, stale_after_min, break_lock):
    """The holder's token when the lock another run holds may be taken over (break_lock, or that run is
    gone), else None. ``taken`` is the module's answer to a take."""
    if taken.get("failed") or taken.get("acquired") or taken.get("unreachable"):
        return None
    holder = taken.get("holder") or {}
    if break_lock or holder_is_gone(holder, socket.gethostname(), stale_after_min, time.time()):
        return holder.get("token") or ""
    return None


def refusal(host, step, root, holder):
    """Why a second upgrade of root stops before it changes anything (the role's lock_check says the same)."""
    holder = holder or {}
    return (
        "%s: Langkah %s: another upgrade of %s is running (locked since %s by %s on %s, process %s, installing "
        "%s %s). Nothing was changed. Wait for it to finish; if it is certainly dead, rerun with break_lock set "
        "to true."
        % (
            host,
            step,
            root,
            holder.get("since") or "?",
            holder.get("user") or "?",
            holder.get("controller") or "?",
            holder.get("pid") or "?",
            holder.get("kind") or "",
            holder.get("version") or "?",
        )
    )


def taken_over(host, holder):
    """The warning when a stale lock was taken over (the role's lock_check says the same)."""
    holder = holder or {}
    return (
        "%s: took over the upgrade lock left by an earlier run (%s, process %s, since %s), which no longer runs."
        % (
            host,
            holder.get("controller") or "?",
            holder.get("pid") or "?",
            holder.get("since") or "?",
        )
    )


def new_token():
    return "".join(secrets.choice(ALPHABET) for _position in range(20))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        stale_after_min = int(args.get("stale_after_min") or 120)
        break_lock = boolean(args.get("break_lock", False), strict=False)
        for key in ACTION_ONLY:
            args.pop(key, None)
        args["token"] = args.get("token") or new_token()
        if args.get("state", "present") == "present":
            args["owner"] = this_run(args.get("owner"))
        taken = self._execute_module(
            module_name="dukcapil.siak.release_lock", module_args=args, task_vars=task_vars
        )
        steal = None
        if args.get("state", "present") == "present":
            steal = steal_token(taken, stale_after_min, break_lock)
        if steal is not None:
            holder = taken.get("holder") or {}
            stolen = self._execute_module(
                module_name="dukcapil.siak.release_lock",
                module_args=dict(args, steal_token=steal),
                task_vars=task_vars,
            )
            stolen["holder"] = holder
            taken = stolen
        result.update(taken)
        result.update(token=args["token"], owner=args.get("owner") or {})
        return result
