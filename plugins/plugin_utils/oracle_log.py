"""The verdict on an Oracle export: exit code AND log, never one of them alone.

Pure: the caller passes the exit code and the log's text. Used by the oracle_backup role through the
dukcapil.siak.export_verdict filter, and unit-tested against logs in the real Data Pump and exp formats.

- Data Pump (expdp) succeeds only when the exit code is 0 (EX_SUCC), the log carries the job's
  ``Job "OWNER"."JOB" successfully completed at ...`` line and no ORA- error appears in that job's part
  of the log. Exit code 5 (EX_SUCC_ERR, "completed with errors") and 1 (EX_FAIL) are failures.
- Legacy exp returns 0 even when it exported with warnings, so it succeeds only with
  ``Export terminated successfully without warnings.``; "with warnings" is a failure or a warning
  per the caller's setting; anything else (or no final line: a run killed midway) is a failure.
- ``LOGTIME=ALL`` (or ``LOGFILE``) puts a timestamp in front of every line; it is taken off first.
- A log file that several runs were appended to is judged by its last run; the earlier runs' errors
  are returned as ``history``, not as this run's failure.
- Lines that explain an error (OSD-, KUP-, "Linux-x86_64 Error: ...", "Additional information: ...")
  are quoted with the error they explain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said

METHODS = ("expdp", "exp", "script")
WARNING_POLICIES = ("fail", "warn")
LOG_FORMATS = ("auto", "expdp", "exp")

# Data Pump's exit codes (the expdp/impdp client's EX_ values, Oracle's names kept as they are).
DATAPUMP_EXIT = {0: "EX_SUCC", 1: "EX_FAIL", 5: "EX_SUCC_ERR"}
DATAPUMP_EXIT_MEANING = {5: N_("the job completed with errors")}
# What a Data Pump log is the log of, in its reasons.
EXPORT = N_("export")
IMPORT = N_("import")

# LOGTIME timestamps: "06-DEC-26 20:01:13.542: " (the month name follows NLS_DATE_LANGUAGE).
LOGTIME = re.compile(r"^\d{2}-[^\W\d_]{3,5}\.?-\d{2,4} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?: ?", re.MULTILINE)
DATAPUMP_DONE = re.compile(r'^Job "[^"]+"\."[^"]+" successfully completed at ', re.MULTILINE)
DATAPUMP_JOB_END = re.compile(
    r'^Job "[^"]+"\."[^"]+" (completed with \d+ error\(s\)|stopped due to fatal error) at .*$', re.MULTILINE
)
DATAPUMP_START = re.compile(r'^Starting "[^"]+"\."[^"]+":', re.MULTILINE)
# Lines only Data Pump writes, and lines only exp writes.
DATAPUMP_MARKS = re.compile(
    r'^(Starting "|Job "|Master table "|Processing object type |\. \. exported "|Dump file set for |'
    r"Estimate in progress|Connected to: .*\n(?:Starting|Processing|ORA-3[19]))",
    re.MULTILINE,
)
EXP_MARKS = re.compile(
    r"^(About to export|\. \. exporting table|\. exporting |Export terminated|EXP-\d{5}|"
    r"Export done in .* character set)",
    re.MULTILINE,
)
# Where one run of the tool begins in a log file that runs were appended to.
RUN_START = re.compile(r"^(?:;;; *\n)?(?:Export|Import): Release \S+ - ", re.MULTILINE)
EXP_OK = "Export terminated successfully without warnings."
EXP_WARN = "Export terminated successfully with warnings."
EXP_FAILED = "Export terminated unsuccessfully"
ERROR_LINE = re.compile(r"^\s*((?:ORA|EXP|UDE|LRM|KUP)-\d{5}\b.*)$", re.MULTILINE)
PRIMARY = re.compile(r"^\s*((?:ORA|EXP|UDE|LRM|IMP)-\d{5}\b.*)$")
# Lines that explain the error above them.
EXPLAINS = re.compile(
    r"^\s*((?:OSD|KUP|SVR4|O/S)-\S*.*|(?:Linux|Linux-x86_64|IBM AIX RISC System/6000|HPUX-ia64|SVR4|"
    r"Solaris-AMD64|Microsoft Windows \S+) Error: .*|O/S-Error: .*|Additional information: .*)$"
)
# How many errors a message quotes; the whole log stays on the server and in the report.
MAX_QUOTED = 8


@dataclass(frozen=True)
class Verdict:
    """A judged run. ``reason`` and each ``history`` line are a `Said` (English as ``str()``; the filters say
    them in the run's language), or Oracle's own success line quoted as it is."""

    status: str  # ok | warning | failed
    reason: Any
    format: str  # expdp | exp | unknown
    errors: list[str] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_dict(self) -> dict:
        """The verdict as a mapping; its `Said` reasons kept, for `i18n.say_all`."""
        return {
            "status": self.status,
            "reason": self.reason,
            "format": self.format,
            "errors": list(self.errors),
            "history": list(self.history),
            "ok": self.ok,
        }


def strip_logtime(log: str) -> str:
    """The log without LOGTIME timestamps in front of its lines."""
    return LOGTIME.sub("", log.replace("\r\n", "\n"))


def runs(log: str) -> list[str]:
    """The runs of a log file, oldest first (one element for a log of one run)."""
    starts = [m.start() for m in RUN_START.finditer(log)]
    if len(starts) <= 1:
        return [log]
    parts = [log[: starts[0]]] if log[: starts[0]].strip() else []
    parts += [log[a:b] for a, b in zip(starts, [*starts[1:], len(log)], strict=True)]
    return parts


def error_lines(log: str) -> list[str]:
    """ORA-/EXP-/UDE-/KUP- lines in log order, each once."""
    seen: list[str] = []
    for match in ERROR_LINE.finditer(strip_logtime(log)):
        line = match.group(1).strip()
        if line not in seen:
            seen.append(line)
    return seen


def error_groups(log: str) -> list[str]:
    """Each error with the lines that explain it (OSD-, KUP-, O/S errors, additional information),
    joined by " / ", in log order, each once."""
    groups: list[list[str]] = []
    current: list[str] | None = None
    for raw in strip_logtime(log).splitlines():
        line = raw.strip()
        if PRIMARY.match(line):
            current = [line]
            groups.append(current)
        elif current is not None and EXPLAINS.match(line):
            current.append(line)
        elif ERROR_LINE.match(line):  # a KUP- line of its own
            current = [line]
            groups.append(current)
        else:
            current = None
    seen: list[str] = []
    for group in groups:
        text = " / ".join(group)
        if text not in seen:
            seen.append(text)
    return seen


def detect_format(log: str) -> str:
    text = strip_logtime(log)
    if DATAPUMP_MARKS.search(text):
        return "expdp"
    if EXP_MARKS.search(text):
        return "exp"
    if re.search(r"^(?:Export|Import): Release .* - Production on", text, re.M):
        # Both tools print this banner; Data Pump's log also names its job, exp's does not.
        return "expdp" if "Data Pump" in text or "SYS_EXPORT_" in text else "exp"
    return "unknown"


def _quote(errors: list[str]) -> Any:
    """Oracle's error lines (its own words, never translated), at most MAX_QUOTED of them."""
    shown = "; ".join(errors[:MAX_QUOTED])
    if len(errors) <= MAX_QUOTED:
        return shown
    return Said(N_("{errors} (and {count} more)"), errors=shown, count=len(errors) - MAX_QUOTED)


def _exit(rc: int) -> Said:
    name = DATAPUMP_EXIT.get(rc) if rc else None
    if not name:
        return Said(N_("exit code {rc}"), rc=rc)
    meaning = DATAPUMP_EXIT_MEANING.get(rc)
    if meaning:
        return Said(N_("exit code {rc}, {name}: {meaning}"), rc=rc, name=name, meaning=Said(meaning))
    return Said(N_("exit code {rc}, {name}"), rc=rc, name=name)


def _with_errors(reason: Said, why: Any, errors: list[str]) -> Said:
    """``reason``, followed by the errors that explain it when the log has any."""
    return Said(N_("{reason}: {errors}"), reason=reason, errors=why) if errors else reason


def _history(earlier: list[str], judge) -> list[Said]:
    """One line per earlier run of an appended log that did not succeed."""
    lines = []
    for number, text in enumerate(earlier, 1):
        v = judge(text)
        if not v.ok or v.errors:
            lines.append(
                Said(
                    N_("run {number} of {runs} in this log: {reason}"),
                    number=number,
                    runs=len(earlier) + 1,
                    reason=v.reason,
                )
            )
    return lines


def _datapump(rc: int, log: str, job: str = EXPORT, tool: str = "expdp") -> Verdict:
    """A Data Pump log's verdict; ``job`` names what it is the log of (an export, or the drill's import)."""
    errors = error_lines(log)
    groups = error_groups(log)
    done = DATAPUMP_DONE.search(log)
    what = Said(job)
    if groups:
        return Verdict(
            "failed",
            Said(
                N_("the {job} log has errors ({exit}): {errors}"),
                job=what,
                exit=_exit(rc),
                errors=_quote(groups),
            ),
            "expdp",
            errors,
        )
    if not done:
        ended = DATAPUMP_JOB_END.search(log)
        if ended:
            return Verdict(
                "failed",
                Said(
                    N_("the {job} job ended badly ({exit}): {line}"),
                    job=what,
                    exit=_exit(rc),
                    line=ended.group(0).strip(),
                ),
                "expdp",
                errors,
            )
        return Verdict(
            "failed",
            Said(
                N_(
                    "the {job} log has no 'successfully completed' job line: the {job} was cut short ({exit})"
                ),
                job=what,
                exit=_exit(rc),
            ),
            "expdp",
            errors,
        )
    if rc != 0:
        return Verdict(
            "failed",
            Said(
                N_("{tool} exited with code {rc} ({name}), so the {job} does not count"),
                tool=tool,
                rc=rc,
                name=DATAPUMP_EXIT.get(rc, "not EX_SUCC"),
                job=what,
            ),
            "expdp",
            errors,
        )
    line_end = log.find("\n", done.start())
    # Oracle's own success line, quoted as it is.
    return Verdict("ok", log[done.start() : line_end if line_end >= 0 else None].strip(), "expdp", errors)


def _exp(rc: int, log: str, warnings: str) -> Verdict:
    errors = error_lines(log)
    # EXP-00000 only repeats "terminated unsuccessfully"; the lines before it say why.
    groups = error_groups(log)
    why = _quote([e for e in groups if not e.startswith("EXP-00000")] or groups)
    if rc == 0 and EXP_OK in log and not [e for e in errors if e.startswith("ORA-")]:
        return Verdict("ok", EXP_OK, "exp", errors)
    if rc == 0 and EXP_WARN in log:
        reason = _with_errors(Said(N_("exp finished with warnings")), why, errors)
        return Verdict("warning" if warnings == "warn" else "failed", reason, "exp", errors)
    if EXP_FAILED in log:
        reason = _with_errors(Said(N_("exp terminated unsuccessfully (exit code {rc})"), rc=rc), why, errors)
    elif EXP_OK in log or EXP_WARN in log:
        reason = _with_errors(Said(N_("exp exited with code {rc}"), rc=rc), why, errors)
    elif errors:
        reason = Said(
            N_("the export log has errors and no 'Export terminated' line (exit code {rc}): {errors}"),
            rc=rc,
            errors=why,
        )
    else:
        reason = Said(
            N_("the export log has no 'Export terminated' line: the export was cut short (exit code {rc})"),
            rc=rc,
        )
    return Verdict("failed", reason, "exp", errors)


def _judge(kind: str, rc: int, text: str, warnings: str) -> Verdict:
    if kind == "expdp":
        return _datapump(rc, text)
    if kind == "exp":
        return _exp(rc, text, warnings)
    errors = error_lines(text)
    if not text.strip():
        return Verdict(
            "failed", Said(N_("the export left an empty log (exit code {rc})"), rc=rc), "unknown", errors
        )
    groups = error_groups(text)
    neither = Said(N_("the export log is neither a Data Pump nor an exp log (exit code {rc})"), rc=rc)
    return Verdict("failed", _with_errors(neither, _quote(groups), groups), "unknown", errors)


def verdict(
    method: str, rc: int, log: str, *, warnings: str = "fail", log_format: str = "auto", output: str = ""
) -> Verdict:
    """Judge one export run. ``method`` is expdp, exp or script (whose log is read by ``log_format``).

    ``output`` is what the tool printed; it is judged instead of the log when the log is empty (a tool
    that failed before it could open its log), and its errors are added when the log has none.
    """
    if method not in METHODS:
        raise SiakError(
            Said(N_("unknown export method '{method}'"), method=method),
            fix=Said(N_("Use one of: {names}"), names=", ".join(METHODS)),
        )
    if warnings not in WARNING_POLICIES:
        raise SiakError(
            Said(N_("unknown warnings policy '{policy}'"), policy=warnings), fix=Said(N_("Use fail or warn"))
        )
    if log_format not in LOG_FORMATS:
        raise SiakError(
            Said(N_("unknown log format '{log_format}'"), log_format=log_format),
            fix=Said(N_("Use one of: {names}"), names=", ".join(LOG_FORMATS)),
        )
    text = strip_logtime(log if log.strip() else output)
    parts = runs(text)
    last = parts[-1]
    if not error_groups(last) and error_groups(strip_logtime(output)) and log.strip():
        # The client printed errors it could not write to the log (UDE-, a lost connection).
        last = last + "\n" + strip_logtime(output)
    kind = method if method in ("expdp", "exp") else log_format
    if kind == "auto":
        kind = detect_format(text)
    result = _judge(kind, rc, last, warnings)
    history = _history(parts[:-1], lambda t: _judge(kind, 0, t, warnings))
    if not history:
        return result
    return Verdict(result.status, result.reason, result.format, result.errors, history)


def verify_only_verdict(rc: int, log: str) -> Verdict:
    """Data Pump's own check of a dump against its checksums (impdp VERIFY_ONLY=YES, Oracle 21c and later):
    good only with exit code 0, no error, and the line saying the dump file set is consistent."""
    text = strip_logtime(log)
    errors = error_lines(text)
    groups = error_groups(text)
    if groups:
        return Verdict(
            "failed", Said(N_("{errors} ({exit})"), errors=_quote(groups), exit=_exit(rc)), "expdp", errors
        )
    if rc != 0:
        return Verdict("failed", Said(N_("impdp exited with {exit}"), exit=_exit(rc)), "expdp", errors)
    consistent = re.search(r"^dump file set is consistent\s*$", text, re.MULTILINE)
    if not consistent:
        return Verdict(
            "failed",
            Said(N_("impdp did not say the dump file set is consistent: the check was cut short")),
            "expdp",
            errors,
        )
    return Verdict("ok", Said(N_("dump file set is consistent (Data Pump checksums)")), "expdp", errors)


def sqlfile_verdict(rc: int, log: str) -> Verdict:
    """An import that only parses the dump (impdp SQLFILE=, the restore drill), or imports it into a
    scratch schema: good only with exit code 0, its job's 'successfully completed' line and no error."""
    text = strip_logtime(log)
    return _datapump(rc, runs(text)[-1], job=IMPORT, tool="impdp")
