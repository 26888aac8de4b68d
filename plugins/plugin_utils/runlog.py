"""Read an agenda file (docs/agenda-format.md) into what the budgets and the Laporan need.

Pure parsing (`parse_lines`, `step_runs`) separated from file I/O (`read_agenda`, `find_agenda`),
plus `AgendaTail`, which reads the lines a running callback has appended since the last look.
Checking the hash chain is `siak-sop agenda verify`'s job; this module trusts the lines it reads
but refuses a file that is not an agenda at all.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, os_reason

FAILED_STATUSES = ("failed", "unreachable")


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 time with its UTC offset, or None when absent or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


@dataclass
class RunRecord:
    """One run as the agenda recorded it. `run_end` is None for a run that was killed."""

    source: str
    run_start: dict[str, Any]
    plays: list[dict[str, Any]] = field(default_factory=list)
    task_starts: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    run_end: dict[str, Any] | None = None

    @property
    def run_id(self) -> str:
        return str(self.run_start.get("run_id", ""))

    @property
    def finished(self) -> bool:
        return self.run_end is not None

    @property
    def complete(self) -> bool:
        """A closing record that says every line was written."""
        return self.run_end is not None and self.run_end.get("complete", True) is not False

    @property
    def failed(self) -> bool:
        """The closing record's status; for a killed run, whether any task failed before it stopped."""
        if self.run_end is not None:
            return self.run_end.get("status") == "failed"
        return any(t.get("status") in FAILED_STATUSES for t in self.tasks)

    @property
    def succeeded(self) -> bool:
        return self.run_end is not None and self.run_end.get("status") == "successful"

    @property
    def results(self) -> dict[str, Any]:
        data = (self.run_end or {}).get("results") or {}
        found = data.get("siak_results", data) if isinstance(data, dict) else {}
        return found if isinstance(found, dict) else {}

    def service_hours(self, windows: Any, timezone: str) -> tuple[Any, str]:
        """The service hours a step to run after them is judged by: those a role of this run judged its own
        start by and published with its result (``service_hours.windows`` and ``.timezone``: the backup role
        does), else ``windows`` and ``timezone`` as given. So the Laporan, the Buku Agenda and an auditor
        reading the agenda alone judge by the office's hours, not by a default."""
        for by_host in self.results.values():
            if not isinstance(by_host, dict):
                continue
            for result in by_host.values():
                hours = result.get("service_hours") if isinstance(result, dict) else None
                if isinstance(hours, dict) and isinstance(hours.get("windows"), list) and hours["windows"]:
                    return hours["windows"], str(hours.get("timezone") or timezone)
        return windows, timezone

    @property
    def started(self) -> datetime | None:
        return parse_time(self.run_start.get("started"))

    @property
    def last_time(self) -> datetime | None:
        """The latest time the file shows: the end of a killed run, as far as the record knows."""
        times = [parse_time((self.run_end or {}).get("ended"))]
        times += [parse_time(t.get("end")) for t in self.tasks]
        times += [parse_time(t.get("start")) for t in self.task_starts]
        known = [t for t in times if t is not None]
        return max(known) if known else self.started

    def sop_ids(self) -> list[str]:
        """The SOPs whose steps this run's tasks belong to, in the order first seen."""
        seen: list[str] = []
        for record in (*self.task_starts, *self.tasks):
            step = record.get("step")
            if isinstance(step, dict) and step.get("sop") and step["sop"] not in seen:
                seen.append(step["sop"])
        return seen


def parse_lines(lines: list[str], source: str) -> RunRecord:
    """Build a RunRecord from the text lines of an agenda file; one clear error for a file that is not one."""
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                break  # a run killed while writing its last line leaves half a line: the prefix still counts
            raise SiakError(
                Said(N_("line {number} is not JSON"), number=number),
                where=source,
                fix=Said(N_("Check the file with `siak-sop agenda verify`")),
            ) from None
        if not isinstance(obj, dict) or "type" not in obj:
            raise SiakError(Said(N_("line {number} is not an agenda record"), number=number), where=source)
        records.append(obj)
    return from_records(records, source)


def from_records(records: list[dict[str, Any]], source: str) -> RunRecord:
    """A RunRecord from agenda records already parsed (by `parse_lines` or the agenda verifier)."""
    if not records or records[0].get("type") != "run_start":
        raise SiakError(
            Said(N_("not an agenda file: the first line is not a run_start record")),
            where=source,
            fix=Said(N_("Give the .jsonl file the agenda callback wrote, or its run id")),
        )
    run = RunRecord(source=source, run_start=records[0])
    for obj in records[1:]:
        kind = obj.get("type")
        if kind == "play":
            run.plays.append(obj)
        elif kind == "task_start":
            run.task_starts.append(obj)
        elif kind == "task":
            run.tasks.append(obj)
        elif kind == "run_end":
            run.run_end = obj
    return run


def read_agenda(path: Path | str) -> RunRecord:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SiakError(
            Said(N_("no such agenda file")),
            where=str(path),
            fix=Said(N_("Give a run id or an agenda .jsonl path")),
        ) from None
    except OSError as exc:
        raise SiakError(
            Said(N_("cannot read the agenda ({error})"), error=os_reason(exc)), where=str(path)
        ) from None
    return parse_lines(text.splitlines(), str(path))


def find_agenda(run: str, agenda_dir: Path) -> Path:
    """An agenda file from a path or a run id (looked up in every date folder of the agenda dir)."""
    as_path = Path(run)
    if as_path.suffix == ".jsonl" or os.sep in run:
        if as_path.is_file():
            return as_path
        raise SiakError(
            Said(N_("no such agenda file")), where=run, fix=Said(N_("Give a run id or an agenda .jsonl path"))
        )
    found = agenda_of_run(run, agenda_dir)
    if found is None:
        raise SiakError(
            Said(N_("no agenda for run '{run}' in {folder}"), run=run, folder=agenda_dir),
            fix=Said(N_("Check the run id (the agenda's file name without .jsonl) or set SIAK_OUTPUT_DIR")),
        )
    return found


def agenda_of_run(run_id: str, agenda_dir: Path) -> Path | None:
    """The agenda file of a run id in the agenda folder's date folders (the newest date, should a run id have
    been used on two days), or None while the callback has not made it yet."""
    matches = sorted(Path(agenda_dir).glob(f"*/{run_id}.jsonl"))
    return matches[-1] if matches else None


def lost_connections(
    run: RunRecord, hosts: Iterable[str], step_id: str | None = None
) -> dict[str, list[str]]:
    """The tasks that did not run on each of ``hosts`` because the connection to it was lost (``{host: [task
    names]}``, in the order they ended; hosts without any left out), in the SOP step ``step_id`` when given.
    Counts those Ansible passed over under ``ignore_unreachable`` too."""
    wanted = {str(h) for h in hosts}
    found: dict[str, list[str]] = {}
    for task in run.tasks:
        if not (task.get("unreachable") or task.get("status") == "unreachable"):
            continue
        if str(task.get("host")) not in wanted or (step_id and _step_id(task) != step_id):
            continue
        found.setdefault(str(task["host"]), []).append(str(task.get("task") or "?"))
    return found


@dataclass(frozen=True)
class StepRun:
    """What one SOP step did in a run."""

    step_id: str
    start: datetime | None
    end: datetime | None
    duration_s: float | None
    statuses: dict[str, int]
    hosts: tuple[str, ...]
    open: bool = False  # still running when the record stops (a killed or cancelled run)

    @property
    def failed(self) -> bool:
        return any(self.statuses.get(s, 0) for s in FAILED_STATUSES)

    @property
    def all_skipped(self) -> bool:
        return bool(self.statuses) and set(self.statuses) == {"skipped"}


def _step_id(record: dict[str, Any]) -> str | None:
    step = record.get("step")
    return str(step["id"]) if isinstance(step, dict) and step.get("id") else None


def in_flight(run: RunRecord) -> list[dict[str, Any]]:
    """task_start records whose task line never came: what was running when the record stopped."""
    ended = Counter((t.get("host"), t.get("task_uuid")) for t in run.tasks)
    open_starts = []
    for record in reversed(run.task_starts):
        key = (record.get("host"), record.get("task_uuid"))
        if ended[key]:
            ended[key] -= 1
        else:
            open_starts.append(record)
    return list(reversed(open_starts))


def step_runs(run: RunRecord, stopped_at: datetime | None = None) -> dict[str, StepRun]:
    """Per step id: first start, last end, duration, statuses, hosts.

    A step with a task still in flight when a killed record stops is `open`; it ends at `stopped_at`
    (when the wrapper cancelled it) or at the last time the file shows.
    """
    totals = ((run.run_end or {}).get("totals") or {}).get("steps") or {}
    flying = in_flight(run) if not run.finished else []
    last = stopped_at or run.last_time
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in (*run.tasks, *flying):
        step_id = _step_id(record)
        if step_id:
            grouped.setdefault(step_id, []).append(record)
    found: dict[str, StepRun] = {}
    for step_id, records in grouped.items():
        done = [r for r in records if r.get("type") == "task"]
        is_open = len(done) < len(records)
        starts = [t for t in (parse_time(r.get("start")) for r in records) if t is not None]
        ends = [t for t in (parse_time(r.get("end")) for r in done) if t is not None]
        start = min(starts) if starts else None
        end = last if is_open else (max(ends) if ends else None)
        duration = (end - start).total_seconds() if start and end else None
        total = totals.get(step_id) if isinstance(totals, dict) else None
        if not is_open and isinstance(total, dict) and isinstance(total.get("duration_s"), int | float):
            duration = float(total["duration_s"])  # measured on a monotonic clock by the callback
        statuses = Counter(str(r.get("status")) for r in done)
        if run.succeeded:
            # A run that succeeded despite a failed or unreachable task had it ignored (ignore_errors,
            # ignore_unreachable: a preflight that finds the VM still off); Ansible counts it as ignored.
            for status in FAILED_STATUSES:
                if statuses.get(status):
                    statuses["ignored"] += statuses.pop(status)
        found[step_id] = StepRun(
            step_id=step_id,
            start=start,
            end=end,
            duration_s=duration,
            statuses=dict(statuses),
            hosts=tuple(dict.fromkeys(str(r.get("host")) for r in records)),
            open=is_open,
        )
    return found


class AgendaTail:
    """Reads the complete lines appended to an agenda file since the last call (the file may not exist yet)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[dict[str, Any]]:
        if self.path is None:
            return []
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        found = []
        for line in lines:
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(obj, dict):
                found.append(obj)
        return found
