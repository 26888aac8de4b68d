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

from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig, fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import gettext_for
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import StepRun, parse_time
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Sop, Step


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


def _budget_text(step: Step, lang: str) -> str:
    tr = gettext_for(lang)
    return (
        step.waktu.label(lang)
        if (step.waktu.has_budget or step.waktu.after_service_hours)
        else tr("no time standard")
    )


def _hosts_text(done: int, left: int, lang: str) -> str:
    tr = gettext_for(lang)
    return tr("hosts done {done}, left {left}").format(done=done, left=left)


def _did_something(live: LiveStep) -> bool:
    """A task of the step ran (not only skipped): only then is the step announced as started."""
    return any(n for status, n in live.statuses.items() if status != "skipped")


# How long a step's first task may run before its start is announced without a result yet.
ANNOUNCE_AFTER_S = 5.0


class PlainProgress:
    """Plain lines for logs (AWX, CI, a pipe): a step's start, its end with the verdict, a heartbeat between.

    A step is announced once something in it runs (not for a step whose tasks are all skipped), and
    its end is told once: a step that runs again later (an `always` task, a later wave) adds no line.
    """

    def __init__(
        self, tracker: StepTracker, lang: str = "id", stream: TextIO | None = None, heartbeat_s: float = 60
    ) -> None:
        self.tracker = tracker
        self.lang = lang
        self.stream = stream or sys.stdout
        self.heartbeat_s = heartbeat_s
        self._last_beat: datetime | None = None
        self._announced: set[str] = set()
        self._ended: set[str] = set()

    def _line(self, text: str) -> None:
        print(f"[siak-sop] {text}", file=self.stream, flush=True)

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def message(self, text: str) -> None:
        self._line(text)

    def _announce(self, live: LiveStep) -> None:
        if live.step.id in self._announced:
            return
        self._announced.add(live.step.id)
        tr = gettext_for(self.lang)
        step = live.step
        self._line(
            tr("Step {n} started: {kegiatan} (Mutu Baku: {budget})").format(
                n=step.number, kegiatan=step.title(self.lang), budget=_budget_text(step, self.lang)
            )
        )

    def changes(self, changes: list[tuple[str, LiveStep]], now: datetime) -> None:
        tr = gettext_for(self.lang)
        for live in list(self.tracker.steps.values()):
            if _did_something(live):
                self._announce(live)
        for what, live in changes:
            step = live.step
            if what != "end" or step.id in self._ended or step.id not in self._announced:
                continue
            self._ended.add(step.id)
            verdict = self.tracker.provisional(live, now)
            self._line(
                tr("Step {n} ended {elapsed} / {budget}: {verdict}; {hosts}").format(
                    n=step.number,
                    elapsed=fmt_elapsed(self.tracker.elapsed(live, now)),
                    budget=_budget_text(step, self.lang),
                    verdict=verdict.label(self.lang),
                    hosts=_hosts_text(len(live.hosts_done), self.tracker.hosts_left(live), self.lang),
                )
            )

    def tick(self, now: datetime) -> None:
        for live in self.tracker.running():
            if self.tracker.elapsed(live, now) >= ANNOUNCE_AFTER_S:
                self._announce(live)
        if self._last_beat is None:
            self._last_beat = now
        if (now - self._last_beat).total_seconds() < self.heartbeat_s:
            return
        self._last_beat = now
        tr = gettext_for(self.lang)
        for live in self.tracker.running():
            if live.step.id not in self._announced:
                continue
            self._line(
                tr("Step {n} running {elapsed} / {budget}; {hosts}").format(
                    n=live.step.number,
                    elapsed=fmt_elapsed(self.tracker.elapsed(live, now)),
                    budget=_budget_text(live.step, self.lang),
                    hosts=_hosts_text(len(live.hosts_done), self.tracker.hosts_left(live), self.lang),
                )
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

        tr = gettext_for(self.lang)
        now = datetime.now().astimezone()
        table = Table(title=self.title, expand=False, show_lines=False)
        table.add_column(tr("No."), justify="right")
        table.add_column(tr("Activity"), max_width=52, no_wrap=True)
        table.add_column(tr("Time"), justify="right")
        table.add_column(tr("Mutu Baku"))
        table.add_column(tr("Host"), justify="right")
        table.add_column(tr("Status"))
        with self.tracker.lock:
            for step in self.tracker.sop.steps:
                live = self.tracker.steps.get(step.id)
                if live is None or (live.closed and not _did_something(live)):
                    table.add_row(
                        str(step.number), step.title(self.lang), "", _budget_text(step, self.lang), "", ""
                    )
                    continue
                verdict = self.tracker.provisional(live, now)
                style = "bold red" if verdict.deviation else ("green" if live.closed else "yellow")
                status = verdict.label(self.lang) if live.closed else tr("running")
                if not live.closed and verdict.deviation:
                    status = f"{tr('running')}: {verdict.label(self.lang)}"
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
