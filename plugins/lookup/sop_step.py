# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: sop_step
short_description: A step of an SOP table (number, Kegiatan, Pelaksana, Mutu Baku)
version_added: 0.1.0
description:
  - Reads the SOP tables that the collection keeps as data (plugins/plugin_utils/sops), so playbooks, the agenda
    callback and the reports take step names and time standards from one place.
options:
  _terms:
    description: Step ids, such as C(replace_app).
    type: list
    elements: str
    required: true
  sop:
    description: The SOP id or alias (C(sop_piak_15), C(upgrade), C(backup_db), C(backup)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Show what step 6 must produce
  ansible.builtin.debug:
    msg: "{{ lookup('dukcapil.siak.sop_step', 'replace_app', sop='upgrade').output }}"
"""

RETURN = r"""
_raw:
  description: One dictionary per step with id, number, kegiatan, kegiatan_en, pelaksana, waktu_min, waktu_max,
    after_service_hours, waktu_label and output.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)

        try:
            sop = load_sop(self.get_option("sop"))
            steps = [sop.step(term) for term in terms]
        except SiakError as err:
            raise AnsibleLookupError(str(err)) from None
        return [
            {
                "id": s.id,
                "number": s.number,
                "kegiatan": s.kegiatan,
                "kegiatan_en": s.kegiatan_en,
                "pelaksana": list(s.pelaksana),
                "waktu_min": s.waktu.min_minutes,
                "waktu_max": s.waktu.max_minutes,
                "after_service_hours": s.waktu.after_service_hours,
                "waktu_label": s.waktu.label(),
                "output": s.output,
            }
            for s in steps
        ]
