# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: export_verdict
short_description: The verdict on an Oracle export from its exit code and its log
version_added: 0.1.0
description:
  - Data Pump (C(expdp)) succeeds only with its "successfully completed" job line and no ORA- error; legacy
    C(exp) only with "Export terminated successfully without warnings." ("with warnings" is a failure or a
    warning per O(warnings)). A run killed midway has no final line and fails.
  - The logic lives in the collection's siak_sop.oracle_log module, unit-tested against real-format logs.
options:
  _input:
    description: The export log's text.
    type: str
    required: true
  method:
    description: C(expdp), C(exp) or C(script) (the office's own script, whose log is read per O(log_format)).
    type: str
    required: true
  rc:
    description: The export's exit code.
    type: int
    required: true
  warnings:
    description: Whether exp's "with warnings" is a C(fail)ure or a C(warn)ing.
    type: str
    default: fail
  log_format:
    description: For C(script), the log's format (C(auto), C(expdp), C(exp)).
    type: str
    default: auto
"""

EXAMPLES = r"""
- name: Judge the export
  ansible.builtin.set_fact:
    verdict: "{{ log_text | dukcapil.siak.export_verdict('expdp', export.rc) }}"
"""

RETURN = r"""
_value:
  description: C(status) (ok, warning, failed), C(ok) (bool), C(reason), C(format), C(errors) (ORA-/EXP- lines).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.dukcapil.siak.plugins.plugin_utils.siak_sop_path import ensure_siak_sop


def export_verdict(log, method, rc, warnings="fail", log_format="auto"):
    ensure_siak_sop()
    from siak_sop.errors import SiakError  # pylint: disable=import-outside-toplevel
    from siak_sop.oracle_log import verdict  # pylint: disable=import-outside-toplevel

    try:
        code = int(rc)
    except (TypeError, ValueError):
        code = -1
    try:
        return verdict(method, code, str(log or ""), warnings=warnings, log_format=log_format).as_dict()
    except SiakError as err:
        raise AnsibleFilterError(f"export_verdict: {err.line()}") from None


class FilterModule:
    def filters(self):
        return {"export_verdict": export_verdict}
