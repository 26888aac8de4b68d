# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module release_switch; a lost connection is a failure the role rescues (plugin_utils/release_remote)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import execute, lock_ref


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.check_mode:
            return dict(
                result, skipped=True, msg="release_switch changes the server; check mode runs nothing"
            )
        args = dict(self._task.args)
        args.setdefault("lock", lock_ref(task_vars, args["root"]))
        result.update(execute(self, "dukcapil.siak.release_switch", args, task_vars, "the switch"))
        return result
