# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: export_verdict
short_description: The verdict on an Oracle export from its exit code and its log
version_added: 0.1.0
description:
  - Data Pump (C(expdp)) succeeds only with exit code 0, its "successfully completed" job line and no ORA- error
    (exit code 5, completed with errors, never counts); legacy C(exp) only with "Export terminated successfully
    without warnings." ("with warnings" is a failure or a warning per O(warnings)). A run killed midway has no
    final line and fails. LOGTIME timestamps are ignored; a log several runs were appended to is judged by its
    last run (the earlier runs' errors are returned as C(history)); OSD-, KUP- and O/S lines are quoted with
    the error they explain.
  - C(verify_only_verdict) judges C(impdp VERIFY_ONLY=YES) (Data Pump's own checksums, 21c and later) and
    C(sqlfile_verdict) an C(impdp SQLFILE=) parse of a dump (the restore drill).
  - The logic lives in the collection's plugin_utils/oracle_log.py, unit-tested against real-format logs.
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
  output:
    description: What the tool printed; judged when the log is empty, its errors added when the log has none.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Judge the export
  ansible.builtin.set_fact:
    verdict: "{{ log_text | dukcapil.siak.export_verdict('expdp', export.rc) }}"
"""

RETURN = r"""
_value:
  description: >-
    C(status) (ok, warning, failed), C(ok) (bool), C(reason), C(format), C(errors) (ORA-/EXP- lines) and
    C(history) (earlier runs of an appended log that did not succeed). C(reason) and C(history) are in the run's
    language (C(SIAK_LANG), Bahasa Indonesia by default); Oracle's own lines are quoted as they are.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils import oracle_log
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say_all


def _code(rc):
    try:
        return int(rc)
    except (TypeError, ValueError):
        return -1


def export_verdict(log, method, rc, warnings="fail", log_format="auto", output=""):  # noqa: PLR0917
    try:
        judged = oracle_log.verdict(
            method,
            _code(rc),
            str(log or ""),
            warnings=warnings,
            log_format=log_format,
            output=str(output or ""),
        )
    except SiakError as err:
        raise AnsibleFilterError(f"export_verdict: {err.line(run_lang())}") from None
    return say_all(judged.as_dict(), run_lang())


def verify_only_verdict(log, rc):
    return say_all(oracle_log.verify_only_verdict(_code(rc), str(log or "")).as_dict(), run_lang())


def sqlfile_verdict(log, rc):
    return say_all(oracle_log.sqlfile_verdict(_code(rc), str(log or "")).as_dict(), run_lang())


class FilterModule:
    def filters(self):
        return {
            "export_verdict": export_verdict,
            "verify_only_verdict": verify_only_verdict,
            "sqlfile_verdict": sqlfile_verdict,
        }
