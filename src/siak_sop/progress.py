"""Live progress, one line per SOP step, from the agenda records as the callback writes them.

`StepTracker` is pure state (fed records and the time, it says which steps started, ended or ran
past their hard limit). `PlainProgress` prints plain lines (AWX, CI, a pipe); `RichProgress` draws
a live table on a terminal. Both show the step number and Kegiatan, the time against the Mutu Baku,
and the hosts done and left.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from siak_sop import budgets
from siak_sop.budgets import BudgetConfig
from siak_sop.errors import SiakError
from siak_sop.runlog import StepRun, parse_time
from siak_sop.sop import Sop, Step


@dataclass
class LiveStep:
    step: Step
    start: datetime
    in_flight: dict[tuple[str, str], int] = field(default_factory=dict)
    hosts_done: set[str] = field(default_factory=set)
    hosts_seen: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)
    last_end: datetime | None = None
    closed: bool = False
    superseded: bool = False  # a task of a later step has started since

    def busy(self) -> bool:
        return any(self.in_flight.values())


def fmt_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours:d}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class StepTracker:
    """Follows the agenda's task records: which step runs, since when, on which hosts."""

    def __init__(self, sop: Sop, config: BudgetConfig | None = None) -> None:
        self.sop = sop
        self.config = config or BudgetConfig()
        self.steps: dict[str, LiveStep] = {}
        self.order: list[str] = []
        self.play_hosts: set[str] = set()
        self.ended = False
        self.failures: list[dict[str, Any]] = []
        self.lock = threading.Lock()  # the rich display reads from its own thread

    def _step(self, record: dict[str, Any]) -> Step | None:
        step = record.get("step")
        if not isinstance(step, dict) or step.get("sop") not in (None, self.sop.id):
            return None
        try:
            return self.sop.step(str(step.get("id")))
        except SiakError:  # a step of another SOP or an unknown id: not this table's
            return None

    def feed(self, record: dict[str, Any]) -> list[tuple[str, LiveStep]]:
        """Take one agenda record; return what changed: ("start" | "end", step)."""
        kind = record.get("type")
        changes: list[tuple[str, LiveStep]] = []
        if kind == "play":
            self.play_hosts = set()
            return changes
        if kind == "run_end":
            self.ended = True
            for live in self.steps.values():
                if not live.closed:
                    live.closed = True
                    changes.append(("end", live))
            return changes
        if kind not in ("task_start", "task"):
            return changes
        host = str(record.get("host", ""))
        self.play_hosts.add(host)
        step = self._step(record)
        key = (host, str(record.get("task_uuid", "")))
        if kind == "task" and record.get("status") in ("failed", "unreachable"):
            self.failures.append(record)
        if step is None:
            return changes
        live = self.steps.get(step.id)
        if kind == "task_start":
            when = parse_time(record.get("start")) or datetime.now().astimezone()
            if live is None:
                for other in self.steps.values():
                    other.superseded = True
                changes += self._close_finished()
                live = self.steps[step.id] = LiveStep(step=step, start=when)
                self.order.append(step.id)
                changes.append(("start", live))
            elif live.closed:
                live.closed = False  # the step runs again (a later wave or play)
                live.superseded = False
            live.in_flight[key] = live.in_flight.get(key, 0) + 1
            live.hosts_seen.add(host)
            live.hosts_done.discard(host)
        elif live is not None:
            if live.in_flight.get(key):
                live.in_flight[key] -= 1
            status = str(record.get("status"))
            live.statuses[status] = live.statuses.get(status, 0) + 1
            live.last_end = parse_time(record.get("end")) or live.last_end
            if not any(n for key, n in live.in_flight.items() if key[0] == host):
                live.hosts_done.add(host)
        return changes + self._close_finished()

    def _close_finished(self) -> list[tuple[str, LiveStep]]:
        """Steps a later step has overtaken and that have nothing left in flight."""
        closed = []
        for other in self.steps.values():
            if not other.closed and other.superseded and not other.busy():
                other.closed = True
                closed.append(("end", other))
        return closed

    def running(self) -> list[LiveStep]:
        return [self.steps[i] for i in self.order if not self.steps[i].closed]

    def over_hard_limit(self, now: datetime) -> LiveStep | None:
        """The first running step past its hard limit, if any."""
        for live in self.running():
            if budgets.over_hard_limit(live.step, live.start, now, self.config):
                return live
        return None

    def elapsed(self, live: LiveStep, now: datetime) -> float:
        end = live.last_end if live.closed and live.last_end else now
        return (end - live.start).total_seconds()

    def provisional(self, live: LiveStep, now: datetime) -> budgets.Verdict:
        run = StepRun(
            step_id=live.step.id,
            start=live.start,
            end=live.last_end,
            duration_s=self.elapsed(live, now),
            statuses=dict(live.statuses),
            hosts=tuple(sorted(live.hosts_seen)),
        )
        return budgets.verdict_for(live.step, run, self.config)

    def hosts_left(self, live: LiveStep) -> int:
        """Hosts of the running play not yet through the step; for an ended step, its own hosts only."""
        hosts = live.hosts_seen if live.closed else self.play_hosts | live.hosts_seen
        return len(hosts - live.hosts_done)


TEXT = {
    "id": {
        "step": "Langkah",
        "started": "mulai",
        "ended": "selesai",
        "running": "berjalan",
        "budget": "Mutu Baku",
        "hosts": "host selesai {done}, sisa {left}",
        "limit": "batas keras",
        "none": "tanpa batas waktu",
    },
    "en": {
        "step": "Step",
        "started": "started",
        "ended": "ended",
        "running": "running",
        "budget": "Time standard",
        "hosts": "hosts done {done}, left {left}",
        "limit": "hard limit",
        "none": "no time standard",
    },
}


def _budget_text(step: Step, lang: str) -> str:
    return (
        step.waktu.label(lang)
        if (step.waktu.has_budget or step.waktu.after_service_hours)
        else TEXT[lang]["none"]
    )


class PlainProgress:
    """Plain lines for logs: one when a step starts, one when it ends with its verdict, a heartbeat between."""

    def __init__(
        self, tracker: StepTracker, lang: str = "id", stream: TextIO | None = None, heartbeat_s: float = 60
    ) -> None:
        self.tracker = tracker
        self.lang = lang
        self.stream = stream or sys.stdout
        self.heartbeat_s = heartbeat_s
        self._last_beat: datetime | None = None

    def _line(self, text: str) -> None:
        print(f"[siak-sop] {text}", file=self.stream, flush=True)

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def message(self, text: str) -> None:
        self._line(text)

    def changes(self, changes: list[tuple[str, LiveStep]], now: datetime) -> None:
        t = TEXT[self.lang]
        for what, live in changes:
            step = live.step
            if what == "start":
                self._line(
                    f"{t['step']} {step.number} {t['started']}: {step.title(self.lang)} "
                    f"({t['budget']}: {_budget_text(step, self.lang)})"
                )
            else:
                verdict = self.tracker.provisional(live, now)
                hosts = t["hosts"].format(done=len(live.hosts_done), left=self.tracker.hosts_left(live))
                self._line(
                    f"{t['step']} {step.number} {t['ended']} {fmt_elapsed(self.tracker.elapsed(live, now))}"
                    f" / {_budget_text(step, self.lang)}: {verdict.label(self.lang)}; {hosts}"
                )

    def tick(self, now: datetime) -> None:
        if self._last_beat is None:
            self._last_beat = now
        if (now - self._last_beat).total_seconds() < self.heartbeat_s:
            return
        self._last_beat = now
        t = TEXT[self.lang]
        for live in self.tracker.running():
            hosts = t["hosts"].format(done=len(live.hosts_done), left=self.tracker.hosts_left(live))
            self._line(
                f"{t['step']} {live.step.number} {t['running']} "
                f"{fmt_elapsed(self.tracker.elapsed(live, now))} / {_budget_text(live.step, self.lang)}; {hosts}"
            )


class RichProgress:
    """A live table on a terminal: every step of the SOP, the running one with its clock."""

    def __init__(self, tracker: StepTracker, lang: str = "id", title: str = "") -> None:
        from rich.console import Console
        from rich.live import Live

        self.tracker = tracker
        self.lang = lang
        self.title = title
        self.console = Console(stderr=False)
        self._live = Live(
            console=self.console, refresh_per_second=2, get_renderable=self._render, transient=False
        )

    def _render(self) -> Any:
        from rich.table import Table

        t = TEXT[self.lang]
        now = datetime.now().astimezone()
        table = Table(title=self.title, expand=False, show_lines=False)
        table.add_column("No.", justify="right")
        table.add_column("Kegiatan" if self.lang == "id" else "Step", max_width=52, no_wrap=True)
        table.add_column("Waktu" if self.lang == "id" else "Time", justify="right")
        table.add_column(t["budget"])
        table.add_column("Host", justify="right")
        table.add_column("Status")
        with self.tracker.lock:
            for step in self.tracker.sop.steps:
                live = self.tracker.steps.get(step.id)
                if live is None:
                    table.add_row(
                        str(step.number), step.title(self.lang), "", _budget_text(step, self.lang), "", ""
                    )
                    continue
                verdict = self.tracker.provisional(live, now)
                style = "bold red" if verdict.deviation else ("green" if live.closed else "yellow")
                status = verdict.label(self.lang) if live.closed else t["running"]
                if not live.closed and verdict.deviation:
                    status = f"{t['running']}: {verdict.label(self.lang)}"
                table.add_row(
                    str(step.number),
                    step.title(self.lang),
                    fmt_elapsed(self.tracker.elapsed(live, now)),
                    _budget_text(step, self.lang),
                    f"{len(live.hosts_done)}/{len(live.hosts_done) + self.tracker.hosts_left(live)}",
                    f"[{style}]{status}[/]",
                )
        return table

    def start(self) -> None:
        self._live.start()

    def stop(self) -> None:
        self._live.stop()

    def message(self, text: str) -> None:
        self._live.console.print(text, markup=False, highlight=False)

    def changes(self, changes: list[tuple[str, LiveStep]], now: datetime) -> None:
        return None

    def tick(self, now: datetime) -> None:
        return None


def make_progress(
    tracker: StepTracker, lang: str, title: str, stream: TextIO | None = None, *, plain: bool = False
) -> Any:
    """Rich on a terminal, plain lines otherwise (AWX, CI, a pipe, SIAK_PROGRESS=plain, or Ansible's output shown)."""
    import os

    stream = stream or sys.stdout
    wanted = "plain" if plain else os.environ.get("SIAK_PROGRESS", "auto")
    if wanted == "rich" or (wanted == "auto" and stream.isatty() and os.environ.get("TERM") != "dumb"):
        return RichProgress(tracker, lang, title)
    return PlainProgress(tracker, lang, stream)
