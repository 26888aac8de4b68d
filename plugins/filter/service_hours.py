# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: service_hours
short_description: Whether a time falls inside the office's service hours (jam pelayanan)
version_added: 0.1.0
description:
  - The same rule the siak-sop wrapper applies, from the shared plugin_utils/service_hours.py module.
  - Returns a dictionary with C(inside) (bool), C(window) (the window's label, empty after hours),
    C(local_time) and C(timezone).
options:
  _input:
    description: The time to check, as an ISO 8601 string with a UTC offset; an empty string means now.
    type: str
    required: true
  windows:
    description: "Service-hour windows, each a dictionary with C(days) (for example C(mon-thu)), C(start) and C(end) (C(HH:MM))."
    type: list
    elements: dict
    required: true
  timezone:
    description: The office's IANA timezone.
    type: str
    default: Asia/Jakarta
"""

EXAMPLES = r"""
- name: Refuse to start inside service hours
  ansible.builtin.assert:
    that: not ('' | dukcapil.siak.service_hours(oracle_backup_service_hours, 'Asia/Jakarta')).inside
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
"""

from datetime import datetime, timezone as dt_timezone

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang
from ansible_collections.dukcapil.siak.plugins.plugin_utils.service_hours import check


def service_hours(when, windows, timezone="Asia/Jakarta"):
    try:
        now = datetime.fromisoformat(when) if when else datetime.now(dt_timezone.utc)
    except ValueError:
        raise AnsibleFilterError(f"service_hours: '{when}' is not an ISO 8601 time") from None
    try:
        return check(now, windows, timezone, lang=run_lang())
    except SiakError as err:
        raise AnsibleFilterError(f"service_hours: {err.line(run_lang())}") from None


class FilterModule:
    def filters(self):
        return {"service_hours": service_hours}
