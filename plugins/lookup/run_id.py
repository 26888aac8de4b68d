# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: run_id
short_description: The id of this run of the playbook (the agenda's, the reports', AWX's job)
version_added: 0.1.0
description:
  - One run id per run, made in one place (plugins/plugin_utils/runid.py, docs/agenda-format.md "Run id"); C($SIAK_RUN_ID)
    when set (the C(siak-sop) wrapper sets it), C(awx-<job id>) under AWX, else the id of the controller process,
    the same the agenda callback names its file with.
  - Every report and report folder of a run is named with it.
options: {}
"""

EXAMPLES = r"""
- name: Say where the run's Laporan is made
  ansible.builtin.debug:
    msg: "{{ siak_output_dir }}/reports/{{ lookup('dukcapil.siak.run_id') }}/laporan-{{ lookup('dukcapil.siak.run_id') }}.pdf"
"""

RETURN = r"""
_raw:
  description: The run id, one element.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.dukcapil.siak.plugins.plugin_utils import runid
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        try:
            return [runid.current()]
        except SiakError as exc:
            raise AnsibleLookupError(str(exc)) from None
