# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release role's verdict after a failed replace step, from what the server shows (release_plan.outcome)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_outcome
short_description: What a failed release step left live, for the report and the agenda
version_added: 0.3.0
description:
  - Takes the release settings and returns result, to_version, live and message, judged from the state the
    role read from the server after the failure (null when it could not be read).
  - The message is in the run's language (C(SIAK_LANG), Bahasa Indonesia by default).
options:
  _input:
    description: The settings (host, label, step, version).
    type: dict
    required: true
  plan:
    description: The plan of the run (release_open's plan).
    type: dict
    required: true
  failed_task:
    description: The name of the task that failed.
    type: str
  failed_msg:
    description: Its message.
    type: str
  failed_result:
    description: Its result.
    type: dict
  after:
    description: release_state's answer after the failure, or null.
    type: dict
  look:
    description: The command an operator runs to see what is live.
    type: str
"""

EXAMPLES = r"""
- name: Decide the outcome
  ansible.builtin.set_fact:
    outcome: "{{ settings | dukcapil.siak.release_outcome(plan, failed_task='x', failed_msg='y', after=state) }}"
"""

RETURN = r"""
_value:
  description: result, to_version, live and message.
  type: dict
"""

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say_all
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_plan import outcome


def release_outcome(
    settings, plan, *, failed_task="?", failed_msg="", failed_result=None, after=None, look=""
):
    """The outcome, its message said in the run's language (i18n.run_lang)."""
    verdict = outcome(
        settings,
        plan,
        failed_task=failed_task,
        failed_msg=failed_msg,
        failed_result=failed_result,
        after=after,
        look=look,
    )
    return say_all(verdict, run_lang())


class FilterModule:
    def filters(self):
        return {"release_outcome": release_outcome}
