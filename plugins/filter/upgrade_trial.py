# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Server cadangan trial's verdict (upgrade_trial.judge)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: upgrade_trial
short_description: The Server cadangan trial's result per host and whether the real upgrade may go ahead
version_added: 0.3.0
description:
  - Judges the trial of SOP-PIAK-15 steps 5 to 8 on the Server cadangan (the C(siak_trial_servers) group) from
    what the release role published for each trial server (C(siak_upgrade_trial), C(proxy_upgrade_trial)).
  - A trial server passes when every component it was given is live at the target version and answered its
    health check; a component without a health check fails the trial (it would prove nothing).
options:
  _input:
    description: The trial servers (C(groups['siak_trial_servers'])).
    type: list
    elements: str
    required: true
  results:
    description: This run's results (P(dukcapil.siak.run_results#filter)).
    type: dict
    required: true
  targets:
    description: The version production gets, by component (C(app), C(proxy)).
    type: dict
    required: true
  health_kinds:
    description: "Each trial server's health check kind by component (C({host: {app: http, proxy: tcp}}))."
    type: dict
    required: true
  check_mode:
    description: The run is the dry rehearsal; a trial that did not fail is C(rehearsed), never C(passed).
    type: bool
    default: false
  skip_reason:
    description: The ADB's reason to skip the trial (C(siak_upgrade_skip_trial_reason)); empty when not skipped.
    type: str
    default: ""
  lost:
    description:
      - "The tasks of the trial that did not run on a trial server because its connection was lost
        (C({host: [task names]}), P(dukcapil.siak.lost_connections#lookup)'s C(lost)): such a trial did not pass."
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Judge the trial
  ansible.builtin.set_fact:
    trial: "{{ groups['siak_trial_servers'] | dukcapil.siak.upgrade_trial(results, targets, kinds) }}"
"""

RETURN = r"""
_value:
  description: rows (by host - components, health, result, message), go_ahead, failed, reasons, skip_reason.
  type: dict
"""

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say_all
from ansible_collections.dukcapil.siak.plugins.plugin_utils.upgrade_trial import judge


def upgrade_trial(hosts, results, targets, health_kinds, *, check_mode=False, skip_reason="", lost=None):
    """The trial's verdict, its reasons said in the run's language (i18n.run_lang)."""
    verdict = judge(
        list(hosts or []),
        dict(results or {}),
        {str(k): str(v) for k, v in dict(targets or {}).items()},
        dict(health_kinds or {}),
        check_mode=bool(check_mode),
        skip_reason=str(skip_reason or ""),
        lost={str(h): [str(t) for t in tasks] for h, tasks in dict(lost or {}).items()},
    )
    return say_all(verdict, run_lang())


class FilterModule:
    def filters(self):
        return {"upgrade_trial": upgrade_trial}
