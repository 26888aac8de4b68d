# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Windows release reconcile's decisions (plugin_utils/release_windows.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_windows
short_description: What a Windows release host's reconcile does and did, in the release library's terms
version_added: 0.3.0
description:
  - C(release_windows_case) says what the reconcile does first with a folder read by the release role's
    C(windows/state.yml) (V(finish_switch), V(undo_switch), V(check_live) or V(nothing));
    C(release_windows_restore_target) where a restore goes; C(release_windows_health) the live release's health
    from the registered results of C(windows/health.yml); C(release_windows_reconciled) the C(reconciled)
    entries, the same as the Linux module C(release_state) returns. Their reasons are in the run's language
    (C(SIAK_LANG)).
options:
  _input:
    description: The folder's state read by C(windows/state.yml) (or, for C(release_windows_health), the health settings).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide what the reconcile does first
  ansible.builtin.set_fact:
    first: "{{ state | dukcapil.siak.release_windows_case }}"
"""

RETURN = r"""
_value:
  description: The case (a string), the restore target, the health verdict or the reconciled entries.
  type: raw
"""

from ansible_collections.dukcapil.siak.plugins.plugin_utils import release_windows as rw
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say_all


def release_windows_reconciled(state, cleaned=None, probe=None, repair=None, restore=None):
    done = rw.reconciled(
        dict(state or {}),
        cleaned=list(cleaned or []),
        probe=probe or None,
        repair=repair or None,
        restore=restore or None,
    )
    return say_all(done, run_lang())


def release_windows_health(health, *results):
    return say_all(rw.health_verdict(dict(health or {}), list(results)), run_lang())


class FilterModule:
    def filters(self):
        return {
            "release_windows_case": lambda state: rw.case(dict(state or {})),
            "release_windows_restore_target": lambda state: rw.restore_target(dict(state or {})),
            "release_windows_health": release_windows_health,
            "release_windows_reconciled": release_windows_reconciled,
        }
