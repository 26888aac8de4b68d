"""The verdict on an Oracle export: exit code AND log, never one of them alone.

Pure: the caller passes the exit code and the log's text. Used by the oracle_backup role through the
dukcapil.siak.export_verdict filter, and unit-tested against logs in the real Data Pump and exp formats.

- Data Pump (expdp) succeeds only when the exit code is 0, the log carries the job's
  ``Job "OWNER"."JOB" successfully completed at ...`` line and no ORA- error appears anywhere.
- Legacy exp returns 0 even when it exported with warnings, so it succeeds only with
  ``Export terminated successfully without warnings.``; "with warnings" is a failure or a warning
  per the caller's setting; anything else (or no final line: a run killed midway) is a failure.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from siak_sop.errors import SiakError

METHODS = ("expdp", "exp", "script")
WARNING_POLICIES = ("fail", "warn")
LOG_FORMATS = ("auto", "expdp", "exp")

DATAPUMP_DONE = re.compile(r'^Job "[^"]+"\."[^"]+" successfully completed at ', re.MULTILINE)
DATAPUMP_JOB_END = re.compile(
    r'^Job "[^"]+"\."[^"]+" (completed with \d+ error\(s\)|stopped due to fatal error) at .*$', re.MULTILINE
)
DATAPUMP_START = re.compile(r'^Starting "[^"]+"\."[^"]+":', re.MULTILINE)
EXP_OK = "Export terminated successfully without warnings."
EXP_WARN = "Export terminated successfully with warnings."
EXP_FAILED = "Export terminated unsuccessfully"
ERROR_LINE = re.compile(r"^\s*((?:ORA|EXP|UDE|LRM|KUP)-\d{5}\b.*)$", re.MULTILINE)
# How many error lines a message quotes; the whole log stays on the server and in the report.
MAX_QUOTED = 8


@dataclass(frozen=True)
class Verdict:
    status: str  # ok | warning | failed
    reason: str
    format: str  # expdp | exp | unknown
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def error_lines(log: str) -> list[str]:
    """ORA-/EXP-/UDE- lines in log order, each once."""
    seen: list[str] = []
    for match in ERROR_LINE.finditer(log):
        line = match.group(1).strip()
        if line not in seen:
            seen.append(line)
    return seen


def detect_format(log: str) -> str:
    if DATAPUMP_START.search(log) or DATAPUMP_DONE.search(log) or DATAPUMP_JOB_END.search(log):
        return "expdp"
    if "Export terminated" in log or "About to export" in log or re.search(r"^EXP-\d{5}", log, re.M):
        return "exp"
    if re.search(r"^Export: Release .* - Production on", log, re.M):
        # Both tools print this banner; Data Pump's log also names its job, exp's does not.
        return "expdp" if "Data Pump" in log or "SYS_EXPORT_" in log else "exp"
    return "unknown"


def _quote(errors: list[str]) -> str:
    shown = errors[:MAX_QUOTED]
    more = f" (and {len(errors) - MAX_QUOTED} more)" if len(errors) > MAX_QUOTED else ""
    return "; ".join(shown) + more


def _datapump(rc: int, log: str) -> Verdict:
    errors = error_lines(log)
    done = DATAPUMP_DONE.search(log)
    if errors:
        return Verdict("failed", f"the export log has errors: {_quote(errors)}", "expdp", errors)
    if not done:
        ended = DATAPUMP_JOB_END.search(log)
        if ended:
            return Verdict("failed", f"the export job ended badly: {ended.group(0).strip()}", "expdp", errors)
        return Verdict(
            "failed",
            f"the export log has no 'successfully completed' job line: the export was cut short (exit code {rc})",
            "expdp",
            errors,
        )
    if rc != 0:
        return Verdict("failed", f"expdp exited with code {rc}", "expdp", errors)
    return Verdict("ok", done.group(0).strip() + " ...", "expdp", errors)


def _exp(rc: int, log: str, warnings: str) -> Verdict:
    errors = error_lines(log)
    # EXP-00000 only repeats "terminated unsuccessfully"; the lines before it say why.
    why = _quote([e for e in errors if not e.startswith("EXP-00000")] or errors)
    if rc == 0 and EXP_OK in log and not [e for e in errors if e.startswith("ORA-")]:
        return Verdict("ok", EXP_OK, "exp", errors)
    if rc == 0 and EXP_WARN in log:
        reason = "exp finished with warnings" + (f": {why}" if errors else "")
        return Verdict("warning" if warnings == "warn" else "failed", reason, "exp", errors)
    if EXP_FAILED in log:
        reason = f"exp terminated unsuccessfully (exit code {rc})" + (f": {why}" if errors else "")
    elif EXP_OK in log or EXP_WARN in log:
        reason = f"exp exited with code {rc}" + (f": {why}" if errors else "")
    elif errors:
        reason = f"the export log has errors and no 'Export terminated' line (exit code {rc}): {why}"
    else:
        reason = f"the export log has no 'Export terminated' line: the export was cut short (exit code {rc})"
    return Verdict("failed", reason, "exp", errors)


def verdict(method: str, rc: int, log: str, *, warnings: str = "fail", log_format: str = "auto") -> Verdict:
    """Judge one export run. ``method`` is expdp, exp or script (whose log is read by ``log_format``)."""
    if method not in METHODS:
        raise SiakError(f"unknown export method '{method}'", fix=f"Use one of {', '.join(METHODS)}")
    if warnings not in WARNING_POLICIES:
        raise SiakError(f"unknown warnings policy '{warnings}'", fix="Use fail or warn")
    if log_format not in LOG_FORMATS:
        raise SiakError(f"unknown log format '{log_format}'", fix=f"Use one of {', '.join(LOG_FORMATS)}")
    kind = method if method in ("expdp", "exp") else log_format
    if kind == "auto":
        kind = detect_format(log)
    if kind == "expdp":
        return _datapump(rc, log)
    if kind == "exp":
        return _exp(rc, log, warnings)
    errors = error_lines(log)
    if not log.strip():
        return Verdict("failed", f"the export left an empty log (exit code {rc})", "unknown", errors)
    return Verdict(
        "failed",
        f"the export log is neither a Data Pump nor an exp log (exit code {rc})"
        + (f": {_quote(errors)}" if errors else ""),
        "unknown",
        errors,
    )
