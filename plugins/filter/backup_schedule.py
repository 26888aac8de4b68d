# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: backup_schedule
short_description: An office's daily backup schedule as an AWX rrule and a systemd calendar expression
version_added: 0.1.0
description:
  - Validates the office's timezone, backup time and service hours (the backup must fall after
    service hours on every day) and returns every form of the schedule, from plugin_utils/schedule.py.
  - Returns C(time), C(timezone), C(zone_name) (WIB, WITA, WIT), C(rrule)
    (C(DTSTART;TZID=<tz>:<date>T<time> RRULE:FREQ=DAILY;INTERVAL=1)), C(systemd_calendar), C(description),
    and C(drill), the monthly restore drill's C(day), C(time), C(rrule) (C(FREQ=MONTHLY;BYMONTHDAY=<day>)),
    C(systemd_calendar) and C(description).
options:
  _input:
    description:
      - The office's settings, a dictionary with C(name), C(timezone), C(backup_time) (HH:MM),
        C(service_hours) (windows of C(days), C(start), C(end)), C(schedule_start) (YYYY-MM-DD),
        C(restore_drill_day) (1 to 28, default 1) and C(restore_drill_time) (HH:MM, default the backup's
        time plus 10 minutes; also after service hours).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Make the backup schedule
  awx.awx.schedule:
    name: Backup harian
    unified_job_template: SIAK backup
    rrule: "{{ (office | dukcapil.siak.backup_schedule).rrule }}"
"""

RETURN = r"""
_value:
  description: The schedule in every form.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang
from ansible_collections.dukcapil.siak.plugins.plugin_utils.schedule import backup_schedule as build


def backup_schedule(office):
    try:
        return build(dict(office) if hasattr(office, "keys") else office)
    except SiakError as err:
        raise AnsibleFilterError(f"backup_schedule: {err.line(run_lang())}") from None


class FilterModule:
    def filters(self):
        return {"backup_schedule": backup_schedule}
