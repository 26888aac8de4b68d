# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the SOP tables as ``siak-sop check-sop`` does, before a playbook touches any host."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import available_sops, load_sop_file, sop_dir


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)

        checked = []
        for sop_id in available_sops():
            path = sop_dir() / f"{sop_id}.yml"
            try:
                sop = load_sop_file(path)
            except SiakError as err:
                raise AnsibleActionFail(
                    f"the SOP table is not valid, so no step of this run can be timed or recorded: {err}"
                ) from None
            checked.append({"file": str(path), "sop": sop.nomor, "steps": len(sop.steps)})
        result.update(changed=False, checked=checked, msg=f"{len(checked)} SOP table(s) valid")
        return result
