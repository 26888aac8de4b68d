# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: backup_folder_name
short_description: The name of a new dated backup folder (SOP backup step 4), never one that exists
version_added: 0.1.0
description:
  - Formats the date by a strftime pattern (default C(%d%m%Y), the SOP's "admmmyyy" read as day-month-year)
    and adds C(-2), C(-3), ... when a backup of that day already exists.
options:
  _input:
    description: The day, as an ISO 8601 date or date-time (its date part is used as written).
    type: str
    required: true
  existing:
    description: Names already in the backup folder (C(.partial) names count as taken).
    type: list
    elements: str
    required: true
  pattern:
    description: The strftime pattern.
    type: str
    default: "%d%m%Y"
"""

EXAMPLES = r"""
- name: Name the folder
  ansible.builtin.set_fact:
    name: "{{ '2026-11-21' | dukcapil.siak.backup_folder_name(['21112026']) }}"  # 21112026-2
"""

RETURN = r"""
_value:
  description: The folder name.
  type: str
"""

from datetime import date

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.backup_plan import folder_name
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang


def backup_folder_name(day, existing, pattern="%d%m%Y"):
    try:
        when = date.fromisoformat(str(day)[:10])
    except ValueError:
        raise AnsibleFilterError(f"backup_folder_name: '{day}' is not an ISO 8601 date") from None
    try:
        return folder_name(when, [str(e) for e in existing], pattern)
    except SiakError as err:
        raise AnsibleFilterError(f"backup_folder_name: {err.line(run_lang())}") from None


class FilterModule:
    def filters(self):
        return {"backup_folder_name": backup_folder_name}
