# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: upgrade_report
short_description: The SOP-PIAK-15 upgrade report, every host's result in one document
version_added: 0.1.0
description:
  - The second steps 9 and 10 of SOP-PIAK-15 (receive the upgrade report). Built by the shared
    siak_sop.upgrade_report module.
  - Returns C(data) (the report as a dictionary, written as JSON) and C(markdown) (the document for people).
options:
  _input:
    description: "Per-host results by role: C({siak_server: {host: {...}}, siak_upgrade: {...}})."
    type: dict
    required: true
  meta:
    description: C(run_id), C(date), C(office), C(check_mode).
    type: dict
    default: {}
  audience:
    description: Who receives it; C(kepala_bidang) adds the Sub Koordinator's and the Kepala Bidang's signatures.
    type: str
    choices: [sub_koordinator, kepala_bidang]
    default: sub_koordinator
  lang:
    description: Language of the document.
    type: str
    choices: [id, en]
    default: id
"""

EXAMPLES = r"""
- name: Langkah 9 | Write the upgrade report
  ansible.builtin.copy:
    content: "{{ (results | dukcapil.siak.upgrade_report({'run_id': 'x'})).markdown }}"
    dest: out/reports/laporan.md
    mode: "0640"
"""

RETURN = r"""
_value:
  description: C({data, markdown}).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.dukcapil.siak.plugins.plugin_utils.siak_sop_path import ensure_siak_sop


def upgrade_report(results, meta=None, audience="sub_koordinator", lang="id"):
    ensure_siak_sop()
    from siak_sop.errors import SiakError  # pylint: disable=import-outside-toplevel
    from siak_sop.upgrade_report import build, render_markdown  # pylint: disable=import-outside-toplevel

    try:
        data = build(results, meta or {})
        return {"data": data, "markdown": render_markdown(data, audience, lang)}
    except SiakError as err:
        raise AnsibleFilterError(f"upgrade_report: {err.line()}") from None


class FilterModule:
    def filters(self):
        return {"upgrade_report": upgrade_report}
