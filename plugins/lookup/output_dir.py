# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: output_dir
short_description: The folder every output of a run goes to (agenda, reports, Laporan, Buku Agenda)
version_added: 0.1.0
description:
  - One folder for everything a run writes on the controller, decided in one place (plugins/plugin_utils/outputs.py,
    docs/outputs.md) that the agenda and laporan callbacks and C(siak-sop) read too.
  - C($SIAK_OUTPUT_DIR) when set (a relative path is taken from the current folder), else C(siak-sop-out) in
    the current folder. Never a folder inside the collection, which may be installed read-only.
  - The playbooks set C(siak_output_dir) from it; to move the outputs, set C(SIAK_OUTPUT_DIR), not the variable,
    so the agenda goes to the same folder as the reports.
options: {}
"""

EXAMPLES = r"""
- name: Say where this run's outputs go
  ansible.builtin.debug:
    msg: "{{ lookup('dukcapil.siak.output_dir') }}"
"""

RETURN = r"""
_raw:
  description: The absolute path of the outputs folder, one element.
  type: list
  elements: str
"""

from ansible.plugins.lookup import LookupBase
from ansible_collections.dukcapil.siak.plugins.plugin_utils import outputs


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [str(outputs.output_dir())]
