# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: backup_cron_time
short_description: The minute and hour of an office's backup time on a host's own clock, for cron
version_added: 0.1.0
description:
  - cron has no per-entry timezone, so the office's backup time (in the office's timezone) is
    converted to the control node's timezone. Refused when either timezone changes its clock
    during the year, since one cron entry could then not keep the office's time.
  - Returns C(minute), C(hour), C(host_timezone) and C(day_shift) (the host's date minus the office's).
  - With O(drill), the time is the monthly restore drill's (C(restore_drill_time), or the backup's plus
    10 minutes) and C(day) is that day of the month on the host's clock; refused when it would not be a
    day from 1 to 28.
options:
  _input:
    description: The office's settings, as for the P(dukcapil.siak.backup_schedule#filter) filter.
    type: dict
    required: true
  host_timezone:
    description: The IANA timezone the control node's clock runs in.
    type: str
    required: true
  today:
    description: The day to convert on (YYYY-MM-DD); empty means today.
    type: str
    default: ""
  drill:
    description: Convert the monthly restore drill's day and time (the office's C(restore_drill_day) and C(restore_drill_time)) instead of the daily backup's.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Convert the backup time to the control node's clock
  ansible.builtin.set_fact:
    backup_at: "{{ siak_office | dukcapil.siak.backup_cron_time('UTC') }}"
"""

RETURN = r"""
_value:
  description: C(minute), C(hour), C(host_timezone), C(day_shift), and C(day) with O(drill).
  type: dict
"""

from datetime import date

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang
from ansible_collections.dukcapil.siak.plugins.plugin_utils.schedule import (
    backup_schedule,
    cron_monthly,
    cron_time,
    parse_time,
)


def backup_cron_time(office, host_timezone, today="", drill=False):
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise AnsibleFilterError(f"backup_cron_time: '{today}' is not a date YYYY-MM-DD") from None
    try:
        schedule = backup_schedule(dict(office) if hasattr(office, "keys") else office)
        if drill:
            monthly = schedule["drill"]
            return cron_monthly(
                parse_time(monthly["time"], "restore_drill_time"),
                monthly["day"],
                schedule["timezone"],
                host_timezone,
                day,
            )
        return cron_time(
            parse_time(schedule["time"], "backup_time"), schedule["timezone"], host_timezone, day
        )
    except SiakError as err:
        raise AnsibleFilterError(f"backup_cron_time: {err.line(run_lang())}") from None


class FilterModule:
    def filters(self):
        return {"backup_cron_time": backup_cron_time}
