# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module release_state with this run's lock reference when it changes something (reconcile, prune,
stop_left_running), and a lost connection as a failure the role can rescue (plugin_utils/release_remote)."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_READING,
    ReasonedModuleAction,
    lock_ref,
)


class ActionModule(ReasonedModuleAction):
    MODULE = "dukcapil.siak.release_state"
    WHAT = THE_READING

    def prepare(self, args, task_vars):
        if any(
            boolean(args.get(k, False), strict=False) for k in ("reconcile", "prune", "stop_left_running")
        ):
            args.setdefault("lock", lock_ref(task_vars, args["root"]))
