# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publish a role's per-host results through the results channel (plugin_utils/results_channel.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.plugin_utils import results_channel
from ansible_collections.dukcapil.siak.plugins.plugin_utils import runid


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("role", "result", "results"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        if (args.get("result") is None) == (args.get("results") is None):
            raise AnsibleActionFail("publish_results needs either result (this host's) or results (by host)")
        by_host = (
            args["results"]
            if args.get("results") is not None
            else {task_vars.get("inventory_hostname"): args["result"]}
        )

        try:
            published = results_channel.publish(args.get("role"), by_host, task_vars, runid.current())
        except results_channel.ChannelError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result.update(changed=False, **published)
        return result
