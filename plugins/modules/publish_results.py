#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: publish_results
short_description: Publish a role's per-host results through the collection's one results channel
version_added: 0.1.0
description:
  - An action that runs on the controller only. It publishes C(siak_results.<role>.<host>) as run-wide custom
    stats (what M(ansible.builtin.set_stats) does with its defaults), which reach the agenda's C(run_end.results)
    and AWX's job artifacts, and as the host facts C(siak_results__<role>) and C(siak_results_run_id), which a later
    play reads (the upgrade report does, with the P(dukcapil.siak.run_results#filter) filter).
  - The host names are values, never templated keys, and the results are stored as plain data, so no result is
    lost to ansible-core's custom stats merge (docs/agenda-format.md, "Results").
  - Also in check mode (a rehearsal's results are published as such); it changes nothing on any host.
options:
  role:
    description: Whose results these are, the key under C(siak_results) (the role's name, such as C(siak_upgrade)).
    type: str
    required: true
  result:
    description: This host's result (published under C(inventory_hostname)). Give this or O(results).
    type: dict
  results:
    description: Results of several hosts, by host name, for a task that reports for others (run once).
    type: dict
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 4 | Publish the result for the report
  dukcapil.siak.publish_results:
    role: siak_server
    result:
      vm: siak-vm
      result: started
"""

RETURN = r"""
ansible_stats:
  description: The run-wide custom stats, as M(ansible.builtin.set_stats) returns them.
  type: dict
  returned: always
ansible_facts:
  description: C(siak_results__<role>) (this run's results for the role, merged) and C(siak_results_run_id).
  type: dict
  returned: always
"""
