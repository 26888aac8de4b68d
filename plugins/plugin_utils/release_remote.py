# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a release module from its action so that a lost connection is a failure the role can rescue.

Ansible ends a host whose connection is lost (unreachable): no rescue and no always section runs for it, so
the role could neither read the server again nor report what is live. The release actions run their module
through execute(): a lost connection becomes a failed result with connection_lost set, naming the step; the
role's rescue then waits for the connection, reads the server again and reports what it shows.

The module's reasons (why a release is not healthy, why a switch failed: module_utils/release.Reason) come
back as English text with their catalogue messages beside them; execute() says them in the run's language
(i18n.run_lang), so what the role reports and publishes is in the language of the run's Laporan.
"""

from __future__ import annotations

import string
import time

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.module_utils.release import REASONS_KEY
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, run_lang, say

# What a release module does, named in a lost connection's message.
THE_SWITCH = N_("the switch")
THE_UNPACK = N_("the unpack")
THE_TRANSFER = N_("the transfer of the artifact")
THE_READING = N_("the reading of {root}")
THE_MEASURE = N_("the measuring of {path}")
# What the verified_copy and backup_folder modules do (their actions run them through execute() too).
THE_COPY = N_("the copy of the backup")
THE_FOLDER = N_("the work on the backup folder {path}")
# A release module that changes the server, asked to run in check mode.
CHECK_MODE_RUNS_NOTHING = N_("{module} changes the server; check mode runs nothing")


def execute(action, module_name, module_args, task_vars, what):
    """The module's result with its reasons said in the run's language; a lost connection becomes
    {failed, connection_lost, msg}. ``what`` names the module's work for that message (a Said)."""
    try:
        result = action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
    except AnsibleConnectionFailure as err:
        return lost(what, err)
    if result.get("unreachable"):
        return lost(what, result.get("msg") or "unreachable")
    said = say_reasons(result, run_lang())
    if "error" in (result.get(REASONS_KEY) or {}) and result.get("msg") == result.get("error"):
        said["msg"] = said["error"]
    return said


def say_reasons(value, lang):
    """A module's result with each reason it returned (release.reasons) said in ``lang``, at any depth."""
    if isinstance(value, dict):
        out = {k: say_reasons(v, lang) for k, v in value.items() if k != REASONS_KEY}
        for key, reason in (value.get(REASONS_KEY) or {}).items():
            if isinstance(reason, dict) and "message" in reason:
                out[key] = say(Said.from_dict(reason), lang)
            elif isinstance(reason, list):
                out[key] = [
                    say(Said.from_dict(item), lang) if isinstance(item, dict) and "message" in item else item
                    for item in reason
                ]
        return out
    if isinstance(value, list):
        return [say_reasons(v, lang) for v in value]
    return value


def lost(what, err):
    return {
        "failed": True,
        "connection_lost": True,
        "msg": say(
            Said(
                N_("the connection to the server was lost during {what} ({error})"),
                what=what,
                error=str(err).strip().splitlines()[0][:200],
            ),
            run_lang(),
        ),
    }


def lock_ref(task_vars, root):
    """The upgrade lock this run holds on ``root``, for a module to record its process under (run_lock attach):
    the token is the one run_lock's action derives for this run, so no task passes it around."""
    from ansible_collections.dukcapil.siak.plugins.action.run_lock import this_run

    return {
        "path": "%s/.siak-upgrade.lock" % str(root).rstrip("/"),
        "token": this_run(task_vars, time.time())[1],
    }


class ReasonedModuleAction(ActionBase):
    """The action of a module whose reasons are said on the controller in the run's language and whose lost
    connection is a failure the role can rescue: it runs MODULE through execute(). A subclass names MODULE and
    WHAT, the catalogue message naming the module's work (its placeholders are filled from the module's
    arguments of the same names), and may add to the arguments in prepare() or override run_module."""

    TRANSFERS_FILES = False
    MODULE = ""
    WHAT = N_("the change")

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        early = self.prepare(args, task_vars or {})
        if early is not None:
            return dict(result, **early)
        return self.run_module(args, task_vars or {}, result)

    def prepare(self, args, task_vars):
        """Add to the module's arguments; a result to give instead of running the module, else None."""
        del args, task_vars

    def what(self, args):
        """The module's work, named in a lost connection's message."""
        names = [part[1] for part in string.Formatter().parse(self.WHAT) if part[1]]
        return Said(self.WHAT, **{name: args.get(name, "?") for name in names})

    def run_module(self, args, task_vars, result):
        """The module's run, added to ``result``."""
        result.update(execute(self, self.MODULE, args, task_vars, self.what(args)))
        return result


class ChangingReleaseAction(ReasonedModuleAction):
    """The action of a release module that changes the server (release_unpack, release_switch): in check mode
    it runs nothing (the release role says what it would do), otherwise it gives the module this run's lock
    reference."""

    def prepare(self, args, task_vars):
        if self._task.check_mode:
            return {
                "skipped": True,
                "msg": say(Said(CHECK_MODE_RUNS_NOTHING, module=self.MODULE.rsplit(".", 1)[-1]), run_lang()),
            }
        args.setdefault("lock", lock_ref(task_vars, args["root"]))
        return None
