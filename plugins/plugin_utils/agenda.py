"""The agenda: the pure logic behind the ``dukcapil.siak.agenda`` callback and ``siak-sop agenda``.

docs/agenda-format.md is the contract. This module builds the records (hash chain, output summaries,
the SOP step of a task, totals) and verifies a file; it does no I/O except reading a file in
:func:`verify_file`. The callback plugin only gathers what Ansible hands it and writes lines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, os_reason
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Step, available_sops, load_sop

SCHEMA = 1
DEFAULT_TIMEZONE = "Asia/Jakarta"
STATUSES = ("ok", "changed", "failed", "skipped", "unreachable", "rescued", "ignored")
RECORD_TYPES = ("run_start", "play", "task_start", "task", "run_end")
REDACTED = "********"
# Vault values shorter than this are not searched for in output: a one-letter "secret" would blank
# every occurrence of that letter. They are still never recorded as variables or arguments.
MIN_REDACT_LEN = 4


# --- the hash chain -------------------------------------------------------------------------------


def canonical(obj: Mapping[str, Any]) -> str:
    """The canonical JSON text of a record (the contract's definition)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str | None, obj: Mapping[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the record without "hash")."""
    body = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(((prev_hash or "") + canonical(body)).encode("utf-8")).hexdigest()


def plain(value: Any) -> Any:
    """JSON-native copy of a value (str keys, lists, no tagged or custom types).

    A record is hashed in this form, so that reading the line back and hashing it again gives the same
    hash in any language.
    """
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


@dataclass
class Chain:
    """The state of the hash chain: what the next line's ``seq`` and ``prev_hash`` are.

    :meth:`seal` prepares a line without changing the state; :meth:`commit` advances it once the line
    is safely in the file. A line that could not be written is therefore not part of the chain, and the
    file on disk stays a valid chain of what it holds.
    """

    seq: int = 0
    prev_hash: str | None = None

    def seal(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        obj = plain(dict(record))
        obj["seq"] = self.seq
        obj["prev_hash"] = self.prev_hash
        obj.pop("hash", None)
        obj["hash"] = record_hash(self.prev_hash, obj)
        return obj, canonical(obj) + "\n"

    def commit(self, sealed: Mapping[str, Any]) -> None:
        self.seq = int(sealed["seq"]) + 1
        self.prev_hash = str(sealed["hash"])


# --- times and names ------------------------------------------------------------------------------


def office_tz(name: str | None) -> tuple[tzinfo, str | None]:
    """The office timezone and, when the name is unknown, a warning to show once."""
    name = name or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name), None
    except (ZoneInfoNotFoundError, ValueError):
        return (
            datetime.now().astimezone().tzinfo or UTC,
            f"unknown timezone '{name}'; the agenda uses the controller's local time instead",
        )


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def agenda_path(agenda_dir: str | Path, started: datetime, run_id: str) -> Path:
    """``<agenda_dir>/<YYYY-MM-DD>/<run_id>.jsonl``; the date is the run's start in the office timezone."""
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise SiakError(
            Said(N_("run id {run_id!r} cannot be a file name"), run_id=run_id),
            fix=Said(N_("Use letters, digits, '-' and '_'")),
        )
    return Path(agenda_dir) / started.strftime("%Y-%m-%d") / f"{run_id}.jsonl"


def extra_var_names(extra_vars: Mapping[str, Any] | None) -> list[str]:
    """Names only, never values."""
    return sorted(str(k) for k in (extra_vars or {}))


# --- SOP steps ------------------------------------------------------------------------------------

_STEP_INDEX: dict[str, tuple[str, Step]] = {}


def _step_index() -> dict[str, tuple[str, Step]]:
    if not _STEP_INDEX:
        for sop_id in available_sops():
            sop = load_sop(sop_id)
            for step in sop.steps:
                _STEP_INDEX[step.id] = (sop.id, step)
    return _STEP_INDEX


# The Server cadangan trial (SOP-PIAK-15 step 1's Jadwal uji coba) runs the tasks of steps 5 to 8 on the trial
# server: under this tag they are step 1's time and output, not the production steps' (docs/server-upgrade.md).
SERVER_TRIAL_TAG = "server_trial"
SERVER_TRIAL_STEP = "prepare"


def step_for_tags(tags: Iterable[Any]) -> dict[str, Any] | None:
    """The SOP step a task belongs to: the step whose id is among its tags (ids are unique across SOPs).

    ``tags`` are nearest first, and the nearest step id wins. An element that is a list, tuple or set is one
    level of tags given together (a play's or a block's): Ansible does not keep their order (a play tagged
    ``[brief_operators, update_clients]`` comes back with them the other way round), so within a level the
    SOP's earliest step wins, and a task tagged with steps 9 and 10 belongs to step 9 in every run.
    A task of the Server cadangan trial belongs to step 1 whatever step its own tags name."""
    index = _step_index()
    levels = [list(t) if isinstance(t, (list, tuple, set, frozenset)) else [t] for t in (tags or ())]
    if any(str(t) == SERVER_TRIAL_TAG for level in levels for t in level):
        levels = [[SERVER_TRIAL_STEP]]
    for level in levels:
        found = [index[str(t)] for t in level if str(t) in index]
        if found:
            return step_record(*min(found, key=lambda sop_step: sop_step[1].number))
    return None


def step_record(sop_id: str, step) -> dict[str, Any]:
    """What the agenda records of the SOP step an entry belongs to."""
    return {
        "sop": sop_id,
        "id": step.id,
        "number": step.number,
        "kegiatan": step.kegiatan,
        "pelaksana": list(step.pelaksana),
    }


def lookup_step(sop_id: str, step_id: str) -> Step | None:
    found = _step_index().get(step_id)
    if found is None or found[0] != sop_id:
        return None
    return found[1]


# --- output summaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How much output a task record keeps."""

    msg_chars: int = 300
    tail_lines: int = 5
    tail_chars: int = 500


def cut_head(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def cut_tail(text: str, lines: int, limit: int) -> str:
    kept = "\n".join(text.rstrip("\n").splitlines()[-lines:]) if lines > 0 else ""
    return kept if len(kept) <= limit else "…" + kept[len(kept) - max(limit - 1, 0) :]


class Redactor:
    """Blanks known secret values (the plaintext of vault-encrypted variables) out of text."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def add(self, value: str) -> None:
        value = str(value)
        if len(value) >= MIN_REDACT_LEN and value not in self._secrets:
            self._secrets.append(value)
            # longest first, so a secret that contains another is blanked whole
            self._secrets.sort(key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def deep(self, value: Any) -> Any:
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True)


def _censored(result: Mapping[str, Any]) -> bool:
    return bool(result.get("_ansible_no_log")) or "censored" in result


def summarize(
    result: Mapping[str, Any], *, no_log: bool, limits: Limits = Limits(), redactor: Redactor | None = None
) -> dict[str, Any]:
    """The short output summary of a task result: msg, rc, the last lines of stdout and stderr.

    ``{}`` for a no_log task or a censored result: nothing of its output is kept.
    """
    if no_log or _censored(result):
        return {}
    source: Mapping[str, Any] = result
    items = result.get("results")
    extra: dict[str, Any] = {}
    if isinstance(items, list):
        extra["items"] = len(items)
        dicts = [i for i in items if isinstance(i, Mapping)]
        failed = [i for i in dicts if i.get("failed")]
        pick = failed[0] if failed else (dicts[-1] if dicts else None)
        if pick is not None and not _censored(pick) and "stdout" not in result and "rc" not in result:
            merged = dict(pick)
            if result.get("msg") and not failed:
                merged["msg"] = result["msg"]
            source = merged
        elif pick is not None and _censored(pick):
            source = {"msg": result.get("msg")}
    msg = _text(source.get("msg"))
    if msg is None and source.get("skip_reason"):
        msg = str(source["skip_reason"])
    rc = source.get("rc")
    stdout = _text(source.get("stdout")) or _text(source.get("module_stdout"))
    stderr = _text(source.get("stderr")) or _text(source.get("module_stderr"))
    red = redactor.text if redactor else (lambda s: s)
    summary: dict[str, Any] = {
        "msg": cut_head(red(msg), limits.msg_chars) if msg is not None else None,
        "rc": rc if isinstance(rc, int) and not isinstance(rc, bool) else None,
        "stdout_tail": cut_tail(red(stdout), limits.tail_lines, limits.tail_chars) if stdout else None,
        "stderr_tail": cut_tail(red(stderr), limits.tail_lines, limits.tail_chars) if stderr else None,
    }
    summary.update(extra)
    return summary


def status_of(
    event: str, result: Mapping[str, Any], *, ignore_errors: bool = False, rescued: bool = False
) -> str:
    """The agenda status of a finished task from the callback event and its result."""
    if event == "failed":
        if ignore_errors:
            return "ignored"
        return "rescued" if rescued else "failed"
    if event == "unreachable":
        # ignore_unreachable: Ansible counts the host as ok and ignored, and goes on with it
        return "ignored" if ignore_errors else "unreachable"
    if event == "skipped":
        return "skipped"
    return "changed" if result.get("changed") else "ok"


# --- results (custom stats) -----------------------------------------------------------------------


def _templated_keys(value: Any, path: str = "") -> list[str]:
    """Where a mapping key is still template text (``set_stats`` does not template nested keys)."""
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "{{" in str(key) or "{%" in str(key):
                found.append(where)
            found.extend(_templated_keys(item, where))
    elif isinstance(value, list):
        for item in value:
            found.extend(_templated_keys(item, path))
    return found


def _aggregate(old: Any, new: Any) -> Any:
    """ansible-core's custom stats aggregation (mappings merged recursively, lists replaced inside a
    mapping, other values added), on plain data, so no value is dropped for its type."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out = dict(old)
        for key, value in new.items():
            out[key] = _aggregate(out[key], value) if key in out and isinstance(value, Mapping) else value
        return out
    try:
        return old + new
    except TypeError:
        return new


class Results:
    """The run's custom stats, gathered from the task results the way the strategy gathers them.

    Every result item (each loop item) that carries ``ansible_stats`` (``ansible.builtin.set_stats``,
    ``dukcapil.siak.publish_results`` and the actions that publish as it does) is applied in the order the
    results arrive. Unlike ansible-core's own merge, plain data is merged whatever type each publisher
    used, so a result is never silently dropped; where ansible-core's copy (AWX's job artifacts) differs,
    :meth:`final` says so.
    """

    def __init__(self) -> None:
        self.run: dict[str, Any] = {}
        self.per_host: dict[str, dict[str, Any]] = {}
        self.problems: list[str] = []

    def add_result(self, host: str, result: Mapping[str, Any], task: str = "") -> None:
        items = result.get("results")
        sources = items if isinstance(items, list) else [result]
        for item in sources:
            stats = item.get("ansible_stats") if isinstance(item, Mapping) else None
            if isinstance(stats, Mapping) and stats.get("data"):
                self.add(host, stats, task)

    def add(self, host: str, stats: Mapping[str, Any], task: str = "") -> None:
        data = plain(stats.get("data"))
        if not isinstance(data, dict):
            return
        for where in _templated_keys(data):
            self.problems.append(
                f"task '{task or '?'}' on {host} published the key {where} as template text: ansible-core does "
                "not template keys inside set_stats data; publish with dukcapil.siak.publish_results"
            )
        per_host = stats.get("per_host", True)  # as the strategy reads it: absent means per host
        target = self.per_host.setdefault(host, {}) if per_host else self.run
        for key, value in data.items():
            if stats.get("aggregate") and key in target:
                target[key] = _aggregate(target[key], value)
            else:
                target[key] = value

    def final(self, custom: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        """``(results, results_per_host, problems)`` for run_end; ``custom`` is ansible-core's copy."""
        problems = list(self.problems)
        theirs = custom.get("_run", {}) if isinstance(custom.get("_run"), Mapping) else {}
        results = dict(self.run)
        for key, value in theirs.items():
            results.setdefault(key, value)
            if key in self.run and value != self.run[key]:
                problems.append(
                    f"the custom stats ansible-core kept under {key} (what AWX shows as the job's artifacts) "
                    f"differ from what the tasks published; the agenda holds what they published"
                )
        per_host = {h: dict(v) for h, v in self.per_host.items()}
        for host, value in custom.items():
            if host != "_run" and isinstance(value, Mapping):
                per_host[host] = {**value, **per_host.get(host, {})}
        return results, per_host, problems


# --- the run's outcome ----------------------------------------------------------------------------


class HostStates:
    """The hosts Ansible holds as failed or unreachable, so ``run_end.status`` follows the rule that gives
    ``ansible-playbook`` its exit code: 4 while a host is unreachable, else 2 while a host is failed, else 0.

    A failure that was ignored or rescued fails no host, an ignored unreachable host is not unreachable,
    and a ``meta: clear_host_errors`` that ran (its condition true on a host still in the play) clears
    every host of the play, as the strategy does.
    """

    def __init__(self) -> None:
        self.failed_hosts: set[str] = set()
        self.unreachable_hosts: set[str] = set()
        self._rescues: dict[str, Any] = {}
        self._pending: tuple[str, str, set[str], set[str]] | None = None

    def failed(self, host: str, *, ignored: bool, rescued: bool) -> None:
        self.settle()
        if not ignored and not rescued:
            self.failed_hosts.add(host)

    def unreachable(self, host: str, *, ignored: bool) -> None:
        self.settle()
        if not ignored:
            self.unreachable_hosts.add(host)

    def rescue_seen(self, host: str, task_uuid: str, failed_uuid: Any, failed_result: Any) -> bool:
        """True when the strategy has just set this failure as the host's ``ansible_failed_result``, which
        it does only for a failure a rescue section catches."""
        if failed_result is None or failed_uuid != task_uuid or self._rescues.get(host) is failed_result:
            return False
        self._rescues[host] = failed_result  # held, so the next rescue is a new object
        return True

    def meta_started(self, task_uuid: str, action: str, play_hosts: Iterable[str]) -> None:
        self.settle()
        self._pending = (task_uuid, action, set(play_hosts), set())

    def meta_skipped(self, task_uuid: str, host: str | None) -> None:
        if self._pending is not None and self._pending[0] == task_uuid and host:
            self._pending[3].add(host)

    def settle(self) -> None:
        """Apply the last meta task once its skips are known (they come right after it starts)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        _uuid, action, play_hosts, skipped = pending
        if action != "clear_host_errors":
            return
        active = play_hosts - self.failed_hosts - self.unreachable_hosts
        if active and active <= skipped:
            return  # false on every host that reached it: nothing cleared
        self.failed_hosts -= play_hosts
        self.unreachable_hosts -= play_hosts

    def exit_code(self) -> int:
        self.settle()
        if self.unreachable_hosts:
            return 4
        return 2 if self.failed_hosts else 0

    def status(self) -> str:
        return "successful" if self.exit_code() == 0 else "failed"


# --- totals ---------------------------------------------------------------------------------------


@dataclass
class _Span:
    start: str
    end: str
    mono_start: float
    mono_end: float
    statuses: dict[str, int] = field(default_factory=dict)


class Totals:
    """Per SOP step (first start to last end, by the monotonic clock) and per host status counts."""

    def __init__(self) -> None:
        self._steps: dict[str, _Span] = {}
        self._hosts: dict[str, dict[str, int]] = {}
        self.tasks = 0

    def add(
        self,
        *,
        host: str,
        step_id: str | None,
        status: str,
        start: str,
        end: str,
        mono_start: float,
        mono_end: float,
    ) -> None:
        self.tasks += 1
        counts = self._hosts.setdefault(host, {})
        counts[status] = counts.get(status, 0) + 1
        if step_id is None:
            return
        span = self._steps.get(step_id)
        if span is None:
            span = self._steps[step_id] = _Span(start, end, mono_start, mono_end)
        else:
            if mono_start < span.mono_start:
                span.start, span.mono_start = start, mono_start
            if mono_end > span.mono_end:
                span.end, span.mono_end = end, mono_end
        span.statuses[status] = span.statuses.get(status, 0) + 1

    def as_record(self) -> dict[str, Any]:
        return {
            "steps": {
                step_id: {
                    "start": span.start,
                    "end": span.end,
                    "duration_s": round(max(span.mono_end - span.mono_start, 0.0), 3),
                    "statuses": dict(span.statuses),
                }
                for step_id, span in self._steps.items()
            },
            "hosts": {host: dict(counts) for host, counts in self._hosts.items()},
        }


# --- verify ---------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What ``siak-sop agenda verify`` found.

    ``state`` is ``complete`` (intact, closed, every line written), ``error`` (intact, closed by the
    callback at exit: the run ended by an error), ``incomplete`` (intact and closed, but the callback
    could not write every line), ``prefix`` (intact, no closing record: the run was killed or could not
    close its file) or ``broken`` (changed, removed or added lines).
    """

    path: str
    state: str
    lines: int
    message: str
    bad_line: int | None = None
    run_id: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def intact(self) -> bool:
        return self.state != "broken"

    @property
    def exit_code(self) -> int:
        return {"complete": 0, "incomplete": 1, "prefix": 1, "error": 1}.get(self.state, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "state": self.state,
            "intact": self.intact,
            "lines": self.lines,
            "bad_line": self.bad_line,
            "run_id": self.run_id,
            "message": self.message,
        }


def _broken(path: str, line: int, what: str, records: list[dict[str, Any]]) -> Verdict:
    return Verdict(
        path=path,
        state="broken",
        lines=len(records),
        bad_line=line,
        message=f"line {line} {what}; lines 1 to {line - 1} are intact" if line > 1 else f"line 1 {what}",
        run_id=records[0].get("run_id") if records else None,
        records=records,
    )


def _next_prev_hash(raw_lines: list[str], number: int) -> Any:
    """The prev_hash of the line after line ``number`` (1-based), or a marker that matches nothing."""
    try:
        return json.loads(raw_lines[number]).get("prev_hash", _NOTHING)
    except (IndexError, ValueError, AttributeError):
        return _NOTHING


_NOTHING = object()


def verify_text(text: str, path: str = "agenda") -> Verdict:
    """Check the hash chain of an agenda file's text and name the first line that is not as written."""
    raw_lines = text.split("\n")
    torn = raw_lines[-1] != ""  # a last line without its newline: cut off while being written
    if not torn:
        raw_lines.pop()
    records: list[dict[str, Any]] = []
    hashes: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raw_lines, start=1):
        last = number == len(raw_lines)
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            if last and torn:
                return Verdict(
                    path=path,
                    state="prefix",
                    lines=len(records),
                    bad_line=number,
                    message=(
                        f"valid prefix of {len(records)} lines; line {number} was cut off while it was "
                        "being written (the run was killed or the disk was full), and the closing record "
                        "is missing"
                    ),
                    run_id=records[0].get("run_id") if records else None,
                    records=records,
                )
            return _broken(path, number, "is not a JSON record: it was changed", records)
        if not isinstance(obj, dict) or not {"type", "seq", "prev_hash", "hash"} <= set(obj):
            return _broken(path, number, "is not an agenda record: it was changed or added", records)
        if record_hash(obj.get("prev_hash"), obj) != obj["hash"]:
            return _broken(path, number, "was changed: its content no longer matches its hash", records)
        expected_prev = hashes[-1] if hashes else None
        if obj["prev_hash"] != expected_prev:
            if obj["hash"] in seen:
                return _broken(path, number, f"repeats line {seen[obj['hash']]}: it was added", records)
            if _next_prev_hash(raw_lines, number) == expected_prev:
                return _broken(
                    path, number, f"was added: line {number + 1} follows line {number - 1}", records
                )
            if obj["prev_hash"] in seen:
                first = seen[obj["prev_hash"]] + 1
                what = (
                    f"was added: line {number} follows line {first - 1}"
                    if first == number - 1
                    else f"to line {number - 1} were added: line {number} follows line {first - 1}"
                )
                return _broken(path, first, what, records[: first - 1])
            if isinstance(obj["seq"], int) and obj["seq"] > number - 1:
                missing = obj["seq"] - (number - 1)
                return _broken(
                    path,
                    number,
                    f"follows a gap: {missing} line{'s' if missing > 1 else ''} before it "
                    f"{'were' if missing > 1 else 'was'} removed",
                    records,
                )
            if number == 1:
                return _broken(path, 1, "is not the run header: the first lines were removed", records)
            return _broken(
                path,
                number - 1,
                f"was changed: line {number} recorded a different hash for it",
                records[: number - 2],
            )
        if obj["seq"] != number - 1:
            return _broken(path, number, f"has seq {obj['seq']}, expected {number - 1}", records)
        if number == 1 and obj["type"] != "run_start":
            return _broken(path, 1, "is not the run header (type run_start)", records)
        if records and records[-1]["type"] == "run_end":
            return _broken(path, number, "was added after the run's closing record", records)
        records.append(obj)
        hashes.append(obj["hash"])
        seen[obj["hash"]] = number
    if not records:
        return Verdict(path=path, state="broken", lines=0, bad_line=1, message="the file is empty")
    run_id = records[0].get("run_id")
    end = records[-1]
    if end["type"] != "run_end":
        return Verdict(
            path=path,
            state="prefix",
            lines=len(records),
            message=(
                f"valid prefix of {len(records)} lines: intact, but the closing record (run_end) is missing; "
                "the run was killed or the agenda could not be written to the end"
            ),
            run_id=run_id,
            records=records,
        )
    if end.get("ending") == "error":
        return Verdict(
            path=path,
            state="error",
            lines=len(records),
            message=(
                f"intact, {len(records)} lines, closed, but the run ended by an error before its end "
                "(ansible-playbook's output names it): the tasks recorded are all that ran"
            ),
            run_id=run_id,
            records=records,
        )
    if not end.get("complete", False):
        errors = end.get("write_errors", 0)
        return Verdict(
            path=path,
            state="incomplete",
            lines=len(records),
            message=(
                f"intact, {len(records)} lines, but marked incomplete: {errors} line(s) could not be written "
                "during the run (disk full or no permission)"
            ),
            run_id=run_id,
            records=records,
        )
    return Verdict(
        path=path,
        state="complete",
        lines=len(records),
        message=f"intact and complete, {len(records)} lines, run {run_id} {end.get('status', '')}".rstrip(),
        run_id=run_id,
        records=records,
    )


def verify_file(path: str | Path) -> Verdict:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SiakError(
            Said(N_("cannot read the agenda file ({reason})"), reason=os_reason(exc)), where=str(path)
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Verdict(
            path=str(path),
            state="broken",
            lines=0,
            bad_line=line,
            message=f"line {line} is not UTF-8: it was changed",
        )
    return verify_text(text, str(path))
