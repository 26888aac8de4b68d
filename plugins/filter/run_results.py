# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: run_results
short_description: "Every role's per-host results of this run, as the results channel published them"
version_added: 0.1.0
description:
  - Merges the C(siak_results__<role>) facts that M(dukcapil.siak.publish_results) (and the actions that publish
    as it does) left on the hosts, keeping only those of the given run (C(siak_results_run_id)); the result has the shape of the agenda's
    C(run_end.results.siak_results), C(<role>.<host>.<field>) (docs/agenda-format.md, "Results").
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: The hosts to read (C(groups['all'])); C(localhost) is always read too.
    type: list
    elements: str
    required: true
  run_id:
    description: This run's id (C(lookup('dukcapil.siak.run_id'))); facts of another run are ignored.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Gather this run's results
  ansible.builtin.set_fact:
    results: "{{ hostvars | dukcapil.siak.run_results(groups['all'], lookup('dukcapil.siak.run_id')) }}"
"""

RETURN = r"""
_value:
  description: "C({role: {host: result}})."
  type: dict
"""

from ansible_collections.dukcapil.siak.plugins.plugin_utils.results_channel import gather


def run_results(hostvars, hosts, run_id):
    return gather(hostvars, list(hosts or []), str(run_id))


class FilterModule:
    def filters(self):
        return {"run_results": run_results}
