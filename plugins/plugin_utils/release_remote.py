# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a release module from its action so that a lost connection is a failure the role can rescue.

Ansible ends a host whose connection is lost (unreachable): no rescue and no always section runs for it, so
the role could neither read the server again nor report what is live. The release actions run their module
through execute(): a lost connection becomes a failed result with connection_lost set, naming the step; the
role's rescue then waits for the connection, reads the server again and reports what it shows.
"""

from __future__ import annotations

import time

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.action import ActionBase


def execute(action, module_name, module_args, task_vars, what):
    """The module's result; a lost connection becomes {failed, connection_lost, msg}."""
    try:
        result = action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
    except AnsibleConnectionFailure as err:
        return lost(what, err)
    if result.get("unreachable"):
        return lost(what, result.get("msg") or "unreachable")
    return result


def lost(what, err):
    return {
        "failed": True,
        "connection_lost": True,
        "msg": "the connection to the server was lost during %s (%s)"
        % (what, str(err).strip().splitlines()[0][:200]),
    }


def lock_ref(task_vars, root):
    """The upgrade lock this run holds on ``root``, for a module to record its process under (run_lock attach):
    the token is the one run_lock's action derives for this run, so no task passes it around."""
    from ansible_collections.dukcapil.siak.plugins.action.run_lock import this_run

    return {
        "path": "%s/.siak-upgrade.lock" % str(root).rstrip("/"),
        "token": this_run(task_vars, time.time())[1],
    }


class ChangingReleaseAction(ActionBase):
    """The action of a release module that changes the server (release_unpack, release_switch): in check mode
    it runs nothing (the release role says what it would do), otherwise it gives the module this run's lock
    reference and runs it through execute(). A subclass names MODULE and WHAT, and may override run_module."""

    TRANSFERS_FILES = False
    MODULE = ""
    WHAT = ""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.check_mode:
            return dict(
                result,
                skipped=True,
                msg="%s changes the server; check mode runs nothing" % self.MODULE.rsplit(".", 1)[-1],
            )
        args = dict(self._task.args)
        args.setdefault("lock", lock_ref(task_vars, args["root"]))
        return self.run_module(args, task_vars or {}, result)

    def run_module(self, args, task_vars, result):
        """The module's run, added to ``result``."""
        result.update(execute(self, self.MODULE, args, task_vars, self.WHAT))
        return result
