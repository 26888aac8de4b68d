# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: backup_retention
short_description: Which backup folders of one destination to keep and which to delete
version_added: 0.1.0
description:
  - Keeps the good backups of the O(keep_daily) most recent days, the newest good one of each of the
    O(keep_monthly) most recent months, and never fewer than O(keep_daily) good ones. Good means the files
    were found to match their manifest (C(backup_folder) C(state=listed)). O(damaged) backups never count;
    they are kept for inspection while fewer than O(keep_daily) good ones exist, and no good backup is
    deleted while a damaged one is kept. The new backup is always kept, and if it is not the newest good
    one nothing is deleted.
options:
  _input:
    description: Folder names in the destination.
    type: list
    elements: str
    required: true
  good:
    description: The names among them whose files match their SHA256SUMS manifest.
    type: list
    elements: str
    required: true
  damaged:
    description: The names among them whose files do not match their manifest.
    type: list
    elements: str
    default: []
  new:
    description: The backup this run made.
    type: str
    required: true
  keep_daily:
    description: Days to keep.
    type: int
    required: true
  keep_monthly:
    description: Months to keep.
    type: int
    required: true
  pattern:
    description: The folder-name strftime pattern.
    type: str
    default: "%d%m%Y"
"""

EXAMPLES = r"""
- name: Plan retention
  ansible.builtin.set_fact:
    plan: "{{ names | dukcapil.siak.backup_retention(good, new, 7, 6) }}"
"""

RETURN = r"""
_value:
  description: >-
    C(keep), C(delete), C(damaged_kept), C(damaged_deleted), C(unmanaged) (names never touched) and a C(reason).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.backup_plan import retention
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say_all
from ansible_collections.dukcapil.siak.plugins.plugin_utils.backup_plan import newest_good


def backup_retention(names, good, new, keep_daily, keep_monthly, pattern="%d%m%Y", damaged=()):  # noqa: PLR0917

    try:
        plan = retention(
            [str(n) for n in names],
            [str(g) for g in good],
            keep_daily=int(keep_daily),
            keep_monthly=int(keep_monthly),
            new=str(new),
            pattern=pattern,
            damaged=[str(d) for d in damaged or []],
        )
    except SiakError as err:
        raise AnsibleFilterError(f"backup_retention: {err.line(run_lang())}") from None
    except ValueError as err:
        raise AnsibleFilterError(f"backup_retention: {err}") from None
    return say_all(plan, run_lang())


def backup_newest(names, good, pattern="%d%m%Y"):
    return newest_good([str(n) for n in names], [str(g) for g in good], pattern)


class FilterModule:
    def filters(self):
        return {"backup_retention": backup_retention, "backup_newest": backup_newest}
